import { createHandler } from './create-handler';

// Lambda entry point: lambda/ip-set-sync/handler.ts, export `handler`.
// Cold start: a missing or malformed variable fails the init with its name.
// Clients honour AWS_ENDPOINT_URL, which is how tests reach moto.
export const handler = createHandler(process.env);
