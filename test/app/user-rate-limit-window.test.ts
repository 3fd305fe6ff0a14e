/**
 * The per-user limit counts requests in a 60 s window: a limited user is refused until the
 * window ends, to the millisecond, and served again from then on. Only Date is faked (the
 * rate-limit store reads Date.now), so PGlite and Fastify keep their real timers.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectProblem, pgliteBackend, register, startApp } from './support';

const backend = pgliteBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await app?.close();
  app = undefined;
});

describe('the per-user rate-limit window', () => {
  it('refuses a limited user for 60 s (Retry-After 60), still at 59.999 s, and serves them again at 60 s', async () => {
    const start = new Date('2026-01-01T00:00:00Z').getTime();
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    app = await startApp(backend.appOptions({ rateLimitPerUser: 2, rateLimitPerIp: 1000 }));
    const user = await register(app);
    const listNotes = () => app!.inject({ url: '/v1/notes', headers: user.auth });

    expect((await listNotes()).statusCode).toBe(200);
    expect((await listNotes()).statusCode).toBe(200);
    const limited = await listNotes();
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBe('60');

    vi.setSystemTime(start + 59_999);
    expectProblem(await listNotes(), 429);

    vi.setSystemTime(start + 60_000);
    expect((await listNotes()).statusCode).toBe(200);
  });
});
