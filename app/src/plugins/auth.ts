/**
 * Bearer authentication without a database round trip of its own: this hook only checks
 * the header's shape and computes the token's SHA-256. The repository resolves the
 * caller inside the same SQL statement as the note operation (`WITH caller AS ...`), so
 * an authenticated request costs one round trip, and an erased user's token stops
 * working on every task at once (there is no cache to invalidate across 50 tasks).
 */
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from '../problem';
import { hashToken, parseBearer } from '../tokens';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the caller's bearer token; set by `app.authenticate`. */
    tokenHash: Buffer | null;
  }
  interface FastifyInstance {
    authenticate: onRequestAsyncHookHandler;
  }
}

export const unauthorized = (): HttpProblem =>
  new HttpProblem(401, 'A valid bearer token is required.', { 'www-authenticate': 'Bearer' });

async function auth(app: FastifyInstance): Promise<void> {
  app.decorateRequest('tokenHash', null);
  app.decorate('authenticate', async function authenticate(request) {
    const token = parseBearer(request.headers.authorization);
    if (!token) throw unauthorized();
    request.tokenHash = hashToken(token);
  });
}

export default fp(auth, { name: 'auth' });
