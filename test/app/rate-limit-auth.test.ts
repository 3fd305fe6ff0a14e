/**
 * The auth and rate-limit plugins on their own (plugins/auth.ts, plugins/rate-limit.ts),
 * with a clock the test sets: the exact 401 and 429 answers, Retry-After rounded up to whole
 * seconds (never 0), the per-token limit's headers, and the tracked-client bound that
 * forgets the least recently seen client. edge.test.ts and rate-limit-exempt.test.ts drive
 * the same limits through the whole app.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import auth from '../../app/src/plugins/auth';
import errors from '../../app/src/plugins/errors';
import metrics from '../../app/src/plugins/metrics';
import rateLimit, { type RateLimitOptions } from '../../app/src/plugins/rate-limit';
import { hashToken, newToken } from '../../app/src/tokens';

const start = new Date('2030-01-01T00:00:00Z').getTime();
beforeAll(() => {
  // Only Date is faked (the stores read Date.now); Fastify's own timers run for real.
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
});

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function harness(limits: Partial<RateLimitOptions> = {}): Promise<FastifyInstance> {
  vi.setSystemTime(start);
  const instance = Fastify({ trustProxy: true });
  await instance.register(auth);
  await instance.register(rateLimit, { perIp: 1000, perIpExempt: [], perUser: 1000, trackedClients: 100, ...limits });
  await instance.register(metrics, { namespace: 'Test', stage: 'unit', flushIntervalMs: 60_000, sink: () => undefined });
  await instance.register(errors);
  instance.get('/open', async () => ({}));
  instance.get('/mine', { onRequest: [instance.authenticate, instance.userRateLimit] }, async (request) => ({ tokenHash: request.tokenHash?.toString('hex') }));
  await instance.ready();
  app = instance;
  return instance;
}

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authentication', () => {
  it('without a well-formed bearer token: 401 with WWW-Authenticate: Bearer and the fixed detail', async () => {
    const app = await harness();
    for (const headers of [{}, { authorization: 'Bearer short' }, { authorization: `Basic ${newToken()}` }]) {
      const response = await app.inject({ url: '/mine', headers });
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json()).toEqual({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'A valid bearer token is required.' });
    }
  });

  it("with one: the request carries the token's SHA-256, never the token", async () => {
    const app = await harness();
    const token = newToken();
    const response = await app.inject({ url: '/mine', headers: bearer(token) });
    expect(response.json()).toEqual({ tokenHash: hashToken(token).toString('hex') });
  });
});

describe('per client IP', () => {
  it('429 past the limit, with the whole seconds left rounded up, never 0', async () => {
    const app = await harness({ perIp: 1 });
    expect((await app.inject({ url: '/open', headers: from('203.0.113.1') })).statusCode).toBe(200);
    vi.setSystemTime(start + 29_500);
    const limited = await app.inject({ url: '/open', headers: from('203.0.113.1') });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('31');
    expect(limited.json()).toEqual({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Too many requests. Retry after 31 s.' });
    vi.setSystemTime(start + 59_999);
    expect((await app.inject({ url: '/open', headers: from('203.0.113.1') })).headers['retry-after']).toBe('1');
  });

  it('tracks at most trackedClients addresses: the least recently seen is forgotten', async () => {
    const app = await harness({ perIp: 1, trackedClients: 2 });
    const status = async (ip: string) => (await app.inject({ url: '/open', headers: from(ip) })).statusCode;
    expect(await status('203.0.113.1')).toBe(200);
    expect(await status('203.0.113.1')).toBe(429);
    expect(await status('203.0.113.2')).toBe(200);
    expect(await status('203.0.113.3')).toBe(200);
    // .1 was evicted by .2 and .3, so its count starts again.
    expect(await status('203.0.113.1')).toBe(200);
  });

  it('keeps every address it may track', async () => {
    const app = await harness({ perIp: 1, trackedClients: 3 });
    const status = async (ip: string) => (await app.inject({ url: '/open', headers: from(ip) })).statusCode;
    for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) expect(await status(ip)).toBe(200);
    expect(await status('203.0.113.1')).toBe(429);
  });
});

describe('per token', () => {
  it('429 with the limit, 0 remaining and Retry-After in whole seconds, per token', async () => {
    const app = await harness({ perUser: 2 });
    const heavy = newToken();
    for (let i = 0; i < 2; i++) expect((await app.inject({ url: '/mine', headers: bearer(heavy) })).statusCode).toBe(200);
    vi.setSystemTime(start + 15_000);
    const limited = await app.inject({ url: '/mine', headers: bearer(heavy) });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '0', 'retry-after': '45' });
    expect(limited.json()).toEqual({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Too many requests. Retry after 45 s.' });
    expect((await app.inject({ url: '/mine', headers: bearer(newToken()) })).statusCode).toBe(200);
  });

  it('tracks at most trackedClients tokens: the least recently seen is forgotten', async () => {
    const app = await harness({ perUser: 1, trackedClients: 2 });
    const status = async (token: string) => (await app.inject({ url: '/mine', headers: bearer(token) })).statusCode;
    const [first, second, third] = [newToken(), newToken(), newToken()];
    expect([await status(first), await status(first)]).toEqual([200, 429]);
    expect([await status(second), await status(third)]).toEqual([200, 200]);
    expect(await status(first)).toBe(200);
  });
});
