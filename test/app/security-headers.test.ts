/**
 * The security headers are decided by helmet once, when the app is built, not per
 * request (the @fastify/helmet plugin built a new helmet middleware, CSP parsing included,
 * for every response: a cost on every request, docs/capacity.md). The header values
 * themselves are checked against EDGE_SECURITY_HEADERS in error-mapping.test.ts.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { pgliteBackend, startApp } from './support';

const helmetCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('helmet', async (importOriginal) => {
  const actual = await importOriginal<typeof import('helmet')>();
  return {
    default: (...args: Parameters<typeof actual.default>) => {
      helmetCalls.count += 1;
      return actual.default(...args);
    },
  };
});

const backend = pgliteBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

it('runs helmet once per app, however many requests it answers', async () => {
  const app = await startApp(backend.appOptions());
  try {
    const before = helmetCalls.count;
    for (let i = 0; i < 5; i++) {
      const response = await app.inject({ url: '/healthz' });
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'");
      expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    }
    expect(helmetCalls.count - before).toBe(0);
    expect(helmetCalls.count).toBe(1);
  } finally {
    await app.close();
  }
});
