import { createHandler } from './handler';

/** Lambda entry point: lambda/ip-set-sync/index.ts, export `handler`. */
export const handler = createHandler(process.env);
