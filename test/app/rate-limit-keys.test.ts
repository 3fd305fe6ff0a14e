/**
 * What the two rate limits count as one client (attacker's findings 2 and 3), on a real
 * PostgreSQL: the per-user limit is keyed on the user's id, so rotating the token does not
 * give a fresh allowance; the per-IP limit counts an IPv6 client per /64 and an
 * IPv4-mapped address as its IPv4 address (app/src/client-address.ts; its key for each
 * spelling: client-address.test.ts).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../app/src/tokens';
import { expectProblem, postgresBackend, register, startApp } from './support';

/** The socket peer: the load balancer's address inside the VPC; it appends the client's address. */
const LOAD_BALANCER = '10.0.1.17';

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('per-user rate limit key', () => {
  it('survives token rotation: the rotated token continues the same count and is limited', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerUser: 3, rateLimitPerIp: 1_000 }));
    const user = await register(app);
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
    const rotated = await app.inject({ method: 'POST', url: '/v1/me/token', headers: user.auth });
    expect(rotated.statusCode).toBe(201);
    const limited = expectProblem(await app.inject({ url: '/v1/notes', headers: bearer(rotated.json().token) }), 429);
    expect(limited.detail).toMatch(/^Too many requests\. Retry after \d+ s\.$/);
    // The limit is the user's, not the task's: another user is unaffected.
    const other = await register(app);
    expect((await app.inject({ url: '/v1/notes', headers: other.auth })).statusCode).toBe(200);
  });

  it('a token that stopped working is 401 and, once seen dead, no longer counts against its former user', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerUser: 4, rateLimitPerIp: 1_000 }));
    const user = await register(app);
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
    const rotated = await app.inject({ method: 'POST', url: '/v1/me/token', headers: user.auth });
    expect(rotated.statusCode).toBe(201);
    // The old token was still known as this user's on this task: its first 401 counts (3 of 4) ...
    for (let i = 0; i < 5; i++) expectProblem(await app.inject({ url: '/v1/notes', headers: user.auth }), 401);
    // ... the next ones do not, so the new token has exactly one request left.
    const fresh = bearer(rotated.json().token);
    expect((await app.inject({ url: '/v1/notes', headers: fresh })).statusCode).toBe(200);
    expectProblem(await app.inject({ url: '/v1/notes', headers: fresh }), 429);
  });

  it('a well-formed token of no user is 401 and never takes a per-user slot', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerUser: 1, rateLimitPerIp: 1_000 }));
    const stranger = bearer(newToken());
    for (let i = 0; i < 3; i++) {
      const refused = await app.inject({ url: '/v1/notes', headers: stranger });
      expectProblem(refused, 401);
      expect(refused.headers['www-authenticate']).toBe('Bearer');
    }
  });
});

describe('per-IP rate limit over HTTP', () => {
  const from = (client: string) => ({ url: '/', remoteAddress: LOAD_BALANCER, headers: { 'x-forwarded-for': client } });

  it('counts every address of one IPv6 /64 together, however it is spelled; another /64 has its own count', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 3, trustedProxyHops: 1 }));
    expect((await app.inject(from('2001:db8:1:2::1'))).statusCode).toBe(200);
    expect((await app.inject(from('2001:db8:1:2:abcd::9'))).statusCode).toBe(200);
    expect((await app.inject(from('2001:0DB8:0001:0002:0000:0000:0000:01c2'))).statusCode).toBe(200);
    expectProblem(await app.inject(from('2001:db8:1:2:ffff:ffff:ffff:fffe')), 429);
    expect((await app.inject(from('2001:db8:1:3::1'))).statusCode).toBe(200);
  });

  it('counts an IPv4 address and its IPv4-mapped IPv6 spellings once', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 2, trustedProxyHops: 1 }));
    expect((await app.inject(from('203.0.113.7'))).statusCode).toBe(200);
    expect((await app.inject(from('::ffff:203.0.113.7'))).statusCode).toBe(200);
    expectProblem(await app.inject(from('::ffff:cb00:7107')), 429);
    expectProblem(await app.inject(from('203.0.113.7')), 429);
  });

  it('exempts an exempt IPv4 address however it is spelled', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 1, rateLimitPerIpExempt: ['203.0.113.10'], trustedProxyHops: 1 }));
    for (const client of ['203.0.113.10', '::ffff:203.0.113.10', '::ffff:cb00:710a', '::ffff:203.0.113.10']) expect((await app.inject(from(client))).statusCode).toBe(200);
    expect((await app.inject(from('203.0.113.11'))).statusCode).toBe(200);
    expectProblem(await app.inject(from('::ffff:203.0.113.11')), 429);
  });
});
