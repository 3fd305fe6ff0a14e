/**
 * Two limits, both per minute and per task (in-process counters; the WAF's rate-based
 * rules are the fleet-wide limit in front of these):
 *  - per client IP on every route, where the IP is what the trusted proxy hops say
 *    (Fastify's trustProxy = TRUSTED_PROXY_HOPS, so a client cannot spoof it with its own
 *    X-Forwarded-For entries), except for the addresses in `perIpExempt`. IPv6 clients
 *    count per /64 and IPv4-mapped addresses as their IPv4 address (client-address.ts);
 *  - per user on authenticated routes (`app.userRateLimit`, run after auth), keyed on the
 *    user's id that auth resolved, so rotating the token does not reset the count.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { canonicalAddress, rateLimitKey } from '../client-address';
import { HttpProblem } from '../problem';

const WINDOW_MS = 60_000;

declare module 'fastify' {
  interface FastifyInstance {
    userRateLimit: onRequestAsyncHookHandler;
  }
}

export interface RateLimitOptions {
  readonly perIp: number;
  /** Client IPs the per-IP limit skips (the per-user limit does not). */
  readonly perIpExempt: readonly string[];
  readonly perUser: number;
  /**
   * Distinct clients (IPs or /64s, and users) each store tracks before the least recently
   * seen is forgotten. Forgetting a limited client resets its count, so this must exceed
   * the distinct keys a window can bring. Only tokens of existing users reach the per-user
   * store (auth refuses any other), and with the per-IP limit in front one address brings
   * at most `perIp` of those a minute.
   */
  readonly trackedClients: number;
}

const tooManyRequests = (retryAfterSeconds: number): HttpProblem =>
  new HttpProblem(429, `Too many requests. Retry after ${retryAfterSeconds} s.`, { 'retry-after': String(retryAfterSeconds) });

/**
 * The user's id when auth resolved it (always, in the app): a rotated token is the same
 * user. Without a user lookup (plugin tests) the token is all there is. A route that runs
 * the per-user limit before `app.authenticate` is a wiring bug: counting every such caller
 * in one shared bucket would hide it, so it fails (a 500) instead.
 */
function userKey(request: FastifyRequest): string {
  if (request.userId !== null) return `user:${request.userId}`;
  if (request.tokenHash === null) throw new Error('app.userRateLimit runs after app.authenticate: this request has no token to count');
  return `token:${request.tokenHash.toString('base64')}`;
}

async function rateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const exempt = new Set(options.perIpExempt.map(canonicalAddress));
  await app.register(rateLimit, {
    global: true,
    max: options.perIp,
    timeWindow: WINDOW_MS,
    cache: options.trackedClients,
    keyGenerator: (request: FastifyRequest) => rateLimitKey(request.ip),
    allowList: (request: FastifyRequest) => exempt.has(canonicalAddress(request.ip)),
    errorResponseBuilder: (_request, context) => tooManyRequests(Math.max(1, Math.ceil(context.ttl / 1000))),
  });

  const perUser = app.createRateLimit({
    max: options.perUser,
    timeWindow: WINDOW_MS,
    // The per-route store is made from these options merged over the plugin's, but its
    // type omits `cache`; without it the store keeps the library default of 5,000 keys.
    ...({ cache: options.trackedClients } as object),
    // The per-IP exemption would be inherited too: an exempt address still pays per user.
    allowList: undefined,
    keyGenerator: userKey,
  });

  app.decorate('userRateLimit', async function userRateLimit(request, reply) {
    const result = await perUser(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('x-ratelimit-limit', result.max);
    reply.header('x-ratelimit-remaining', 0);
    throw tooManyRequests(Math.max(1, result.ttlInSeconds));
  });
}

export default fp(rateLimits, { name: 'rate-limit', dependencies: ['auth'] });
