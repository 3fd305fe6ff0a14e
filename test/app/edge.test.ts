/**
 * Behaviour at the edge of the app, on PGlite: rate limits (per IP through the trusted
 * proxy hop, per token), the RUM page and its CSP, trace ids in logs.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { AppConfig } from '../../app/src/config';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../app/src/app';
import { captureLogs, expectProblem, pgliteBackend, register, startApp } from './support';

const backend = pgliteBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('rate limits', () => {
  it('per client IP: 429 problem+json with Retry-After past the limit', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 3 }));
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/', headers })).statusCode).toBe(200);
    const limited = await app.inject({ url: '/', headers });
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client is unaffected; health checks are never limited.
    expect((await app.inject({ url: '/', headers: { 'x-forwarded-for': '203.0.113.8' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz', headers })).statusCode).toBe(200);
  });

  it('trusts only the load balancer hop of X-Forwarded-For: a client cannot spoof its way out', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 2, trustedProxyHops: 1 }));
    // The ALB appends the real client address last; whatever the client wrote is to its left.
    const spoofed = (fake: string) => ({ 'x-forwarded-for': `${fake}, 198.51.100.20` });
    expect((await app.inject({ url: '/', headers: spoofed('10.0.0.1') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', headers: spoofed('10.0.0.2') })).statusCode).toBe(200);
    expectProblem(await app.inject({ url: '/', headers: spoofed('10.0.0.3') }), 429);
  });

  it('per token: 429 with Retry-After once one user exceeds the limit, other users unaffected', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerUser: 2 }));
    const heavy = await register(app);
    const light = await register(app);
    expect((await app.inject({ url: '/v1/notes', headers: heavy.auth })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/notes', headers: heavy.auth })).statusCode).toBe(200);
    const limited = await app.inject({ url: '/v1/notes', headers: heavy.auth });
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await app.inject({ url: '/v1/notes', headers: light.auth })).statusCode).toBe(200);
  });
});

describe('rate-limit windows are one minute, on both sides of the boundary', () => {
  // Only Date is faked (the stores read Date.now); Fastify's own timers run for real.
  const start = new Date('2030-01-01T00:00:00Z').getTime();
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('per token: still limited 1 ms before 60 s have passed, allowed again at 60 s', async () => {
    vi.setSystemTime(start);
    app = await startApp(backend.appOptions({ rateLimitPerUser: 1 }));
    const user = await register(app);
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
    const limited = await app.inject({ url: '/v1/notes', headers: user.auth });
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBe('60');
    vi.setSystemTime(start + 59_999);
    expectProblem(await app.inject({ url: '/v1/notes', headers: user.auth }), 429);
    vi.setSystemTime(start + 60_000);
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
  });

  it('per client IP: still limited 1 ms before 60 s have passed, allowed again at 60 s', async () => {
    vi.setSystemTime(start);
    app = await startApp(backend.appOptions({ rateLimitPerIp: 1 }));
    const headers = { 'x-forwarded-for': '203.0.113.9' };
    expect((await app.inject({ url: '/', headers })).statusCode).toBe(200);
    const limited = await app.inject({ url: '/', headers });
    expectProblem(limited, 429);
    expect(limited.headers['retry-after']).toBe('60');
    vi.setSystemTime(start + 59_999);
    expectProblem(await app.inject({ url: '/', headers }), 429);
    vi.setSystemTime(start + 60_000);
    expect((await app.inject({ url: '/', headers })).statusCode).toBe(200);
  });
});

describe('GET / with CloudWatch RUM configured', () => {
  const rum = {
    appMonitorId: '11111111-2222-4333-8444-555555555555',
    identityPoolId: 'eu-west-1:66666666-7777-4888-9999-000000000000',
    guestRoleArn: 'arn:aws:iam::123456789012:role/RUM-guest',
    region: 'eu-west-1',
    clientVersion: '1.19.0',
  };

  it('inlines the RUM snippet and allows exactly it by hash, plus the RUM endpoints', async () => {
    app = await startApp(backend.appOptions({ rum }));
    const response = await app.inject('/');
    const csp = String(response.headers['content-security-policy']);
    const inline = /<script>([\s\S]*?)<\/script>/.exec(response.body)![1];
    const hash = createHash('sha256').update(inline).digest('base64');

    expect(inline).toContain(rum.appMonitorId);
    expect(inline).toContain('https://client.rum.us-east-1.amazonaws.com/1.19.0/cwr.js');
    expect(inline).toContain('https://dataplane.rum.eu-west-1.amazonaws.com');
    expect(csp).toContain(`script-src 'sha256-${hash}' https://client.rum.us-east-1.amazonaws.com;`);
    expect(csp).toContain('connect-src https://dataplane.rum.eu-west-1.amazonaws.com https://cognito-identity.eu-west-1.amazonaws.com https://sts.eu-west-1.amazonaws.com');
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toMatch(/^default-src 'none'/);
  });

  it('without RUM the page has no script and no script-src', async () => {
    app = await startApp(backend.appOptions());
    const response = await app.inject('/');
    expect(response.body).not.toContain('<script');
    expect(String(response.headers['content-security-policy'])).not.toContain('script-src');
  });
});

describe('logs', () => {
  /** Starts the app with `config`, sends `requests`, returns the request log lines. */
  async function requestLogLines(config: Partial<AppConfig>, requests: Array<string | InjectOptions>) {
    const { entries, stream } = captureLogs();
    app = await startApp({ ...backend.appOptions(config), logger: { level: 'info', stream } });
    for (const request of requests) await app.inject(request);
    return entries.filter((entry) => entry.msg === 'request completed' || entry.msg === 'request errored');
  }

  async function logLinesFor(headers: Record<string, string>): Promise<Array<Record<string, unknown>>> {
    const lines = await requestLogLines({}, [{ url: '/v1/notes', headers: { ...headers, authorization: `Bearer ${'B'.repeat(43)}` } }]);
    return lines.filter((entry) => entry.url === '/v1/notes');
  }

  it('sample fast successful requests but always keep 4xx answers', async () => {
    const quiet = await requestLogLines({ requestLogSampleRate: 0, slowRequestMs: 60_000 }, [{ url: '/' }, { url: '/' }, { url: '/no-such-page' }]);
    expect(quiet.map((entry) => [entry.url, entry.statusCode])).toEqual([['/no-such-page', 404]]);
    await app?.close();
    const everything = await requestLogLines({ requestLogSampleRate: 1, slowRequestMs: 60_000 }, [{ url: '/' }, { url: '/' }]);
    expect(everything).toHaveLength(2);
  });

  it('always keep slow requests, whatever the sample rate', async () => {
    const { entries: lines, stream } = captureLogs();
    app = await buildApp({ ...backend.appOptions({ requestLogSampleRate: 0, slowRequestMs: 20 }), logger: { level: 'info', stream } });
    app.get('/test-slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return 'done';
    });
    await app.ready();
    expect((await app.inject('/test-slow')).statusCode).toBe(200);
    expect(lines.filter((entry) => entry.msg === 'request completed').map((entry) => entry.url)).toEqual(['/test-slow']);
  });

  it('are JSON with the request id and the X-Ray trace id from X-Amzn-Trace-Id; never the token', async () => {
    const [entry] = await logLinesFor({ 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1' });
    expect(entry).toMatchObject({ statusCode: 401, method: 'GET', traceId: '1-67891233-abcdef012345678912345678' });
    expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(entry)).not.toContain('BBBB');
  });

  it('take the trace id from a W3C traceparent when there is no X-Ray header', async () => {
    const [entry] = await logLinesFor({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(entry.traceId).toBe('1-4bf92f35-77b34da6a3ce929d0e0e4736');
  });
});
