import { createHandlers } from './create-handler';
import { timeoutFromEnvironment } from './timeout';

// Lambda entry points: lambda/migration-runner/handler.ts, `handler` (the provider
// framework's onEvent) and `isComplete`. The client honours AWS_ENDPOINT_URL, which is how
// tests reach moto.
const handlers = createHandlers({ timeoutSeconds: timeoutFromEnvironment(process.env) });
export const handler = handlers.onEvent;
export const isComplete = handlers.isComplete;
