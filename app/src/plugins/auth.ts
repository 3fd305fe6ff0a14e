/**
 * Bearer authentication: this hook checks the header's shape, computes the token's
 * SHA-256 and, given a `lookupUserId`, resolves the caller's user id (UserIds: once per
 * token and task, then from memory). The id keys the per-user limits (the rate limit, the
 * export slot), which must not reset when the token is rotated.
 *
 * Authorization itself stays in SQL: the repository resolves the caller inside the same
 * statement as the note operation (`WITH caller AS ...`), so an erased user's token stops
 * working on every task at once (the id cache here only ever names a key, and an entry is
 * forgotten as soon as its token earns a 401).
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem';
import { hashToken, parseBearer } from '../tokens';
import { type UserIdLookup, UserIds } from '../user-ids';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the caller's bearer token; set by `app.authenticate`. */
    tokenHash: Buffer | null;
    /** The caller's user id; set by `app.authenticate` when the plugin has a `lookupUserId`. */
    userId: string | null;
  }
  interface FastifyInstance {
    authenticate: onRequestAsyncHookHandler;
  }
}

export interface AuthOptions {
  /**
   * Resolves a token hash to its user's id (one indexed query per token and task).
   * Without it `request.userId` stays null and per-user limits fall back to the token.
   * @default - none (plugin tests without a database)
   */
  readonly lookupUserId?: UserIdLookup;
  /** Token-to-user entries remembered per task. @default 100 000 */
  readonly knownUsers?: number;
}

export const unauthorized = (): HttpProblem =>
  new HttpProblem(401, 'A valid bearer token is required.', { 'www-authenticate': 'Bearer' });

async function auth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const userIds = options.lookupUserId && new UserIds(options.lookupUserId, options.knownUsers ?? 100_000);
  app.decorateRequest('tokenHash', null);
  app.decorateRequest('userId', null);
  app.decorate('authenticate', async function authenticate(request) {
    const token = parseBearer(request.headers.authorization);
    if (!token) throw unauthorized();
    request.tokenHash = hashToken(token);
    if (!userIds) return;
    const userId = await userIds.resolve(request.tokenHash);
    if (userId === undefined) throw unauthorized();
    request.userId = userId;
  });
  // A 401 after authenticate means the token died (rotated, or its user erased) since it
  // was resolved: forget it, so it stops counting against its former user's limits.
  if (userIds) {
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode === 401 && request.tokenHash) userIds.forget(request.tokenHash);
    });
  }
}

export default fp(auth, { name: 'auth' });
