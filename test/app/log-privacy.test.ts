/**
 * E-mail addresses and tokens never reach the logs: a full API flow against the app on a
 * throwaway PostgreSQL, with the app's own logger settings at trace level and its metric
 * lines (both go to the task's log group), then every line is searched for each address
 * and token used, in the encodings a log line could carry them in.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../app/src/logging';
import { hashToken } from '../../app/src/tokens';
import { postgresBackend, register, startApp, uniqueEmail, type TestUser } from './support';

/** The forms a secret could take in a JSON log line. */
export function encodingsOf(secret: string): string[] {
  const forms = [
    secret,
    secret.toLowerCase(),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    Buffer.from(secret).toString('hex'),
  ];
  return [...new Set(forms)];
}

/** The secrets the log lines hold, as `kind: form` (empty when none). */
export function leaksIn(lines: readonly string[], secrets: Readonly<Record<string, string>>): string[] {
  return Object.entries(secrets).flatMap(([kind, secret]) =>
    encodingsOf(secret).flatMap((form) => lines.filter((line) => line.toLowerCase().includes(form.toLowerCase())).map((line) => `${kind} as "${form}" in: ${line.slice(0, 300)}`)),
  );
}

describe('the search for leaks', () => {
  it('finds a secret in any of its encodings and nothing else', () => {
    const email = 'ann+notes@example.com';
    expect(leaksIn([`{"msg":"x","q":"${encodeURIComponent(email)}"}`], { email })).toHaveLength(1);
    expect(leaksIn([`{"b":"${Buffer.from(email).toString('base64')}"}`], { email })).toHaveLength(1);
    expect(leaksIn(['{"msg":"ANN+NOTES@EXAMPLE.COM"}'], { email })).toHaveLength(1);
    expect(leaksIn(['{"msg":"user ann registered"}'], { email })).toEqual([]);
  });
});

describe('logs of a full API run at trace level', () => {
  const backend = postgresBackend();
  const lines: string[] = [];
  const secrets: Record<string, string> = {};
  let app: FastifyInstance;
  let aliceId = '';

  beforeAll(async () => {
    await backend.start();
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const options = backend.appOptions({ logLevel: 'trace', requestLogSampleRate: 1 });
    app = await startApp({ ...options, logger: { ...(loggerOptions('trace') as object), stream }, metricsSink: (line) => lines.push(line) });

    const remember = (name: string, user: TestUser) => {
      secrets[`${name} e-mail`] = user.email;
      secrets[`${name} token`] = user.token;
      secrets[`${name} token hash`] = hashToken(user.token).toString('hex');
    };
    const alice = await register(app, uniqueEmail('Alice.Privacy'));
    remember('alice', alice);
    aliceId = alice.id;
    // Failure paths are where an input most often ends up in a message: a second
    // registration of the address, and tokens that no longer work.
    expect((await app.inject({ method: 'POST', url: '/v1/users', payload: { email: alice.email } })).statusCode).toBe(409);
    const malformed = `not-an-address-${alice.email.replace('@', ' at ')}`;
    secrets['malformed e-mail'] = malformed;
    expect((await app.inject({ method: 'POST', url: '/v1/users', payload: { email: malformed } })).statusCode).toBe(400);

    const created = await app.inject({ method: 'POST', url: '/v1/notes', headers: alice.auth, payload: { title: 'mine', body: 'text' } });
    expect(created.statusCode).toBe(201);
    const noteId = created.json().id as string;
    for (const request of [
      { method: 'GET', url: '/v1/notes?limit=1' },
      { method: 'GET', url: `/v1/notes/${noteId}` },
      { method: 'PATCH', url: `/v1/notes/${noteId}`, payload: { title: 'renamed' } },
      { method: 'GET', url: '/v1/me/export' },
      { method: 'DELETE', url: `/v1/notes/${noteId}` },
    ] as const) {
      const response = await app.inject({ ...request, headers: alice.auth });
      expect(response.statusCode, `${request.method} ${request.url}: ${response.body}`).toBeLessThan(300);
    }

    const rotated = await app.inject({ method: 'POST', url: '/v1/me/token', headers: alice.auth });
    expect(rotated.statusCode).toBe(201);
    const newToken = rotated.json().token as string;
    secrets['alice rotated token'] = newToken;
    expect((await app.inject({ method: 'GET', url: '/v1/notes', headers: alice.auth })).statusCode).toBe(401);
    const newAuth = { authorization: `Bearer ${newToken}` };
    expect((await app.inject({ method: 'GET', url: '/v1/me/export', headers: newAuth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/v1/me', headers: newAuth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/v1/me', headers: newAuth })).statusCode).toBe(401);
    await app.close();
  }, 120_000);

  afterAll(async () => {
    await backend.stop();
  });

  it('logged the run: a line per request, and the erased user by id (the list a restore re-applies)', () => {
    expect(lines.filter((line) => line.includes('"msg":"request completed"'))).toHaveLength(14);
    expect(lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'user erased').map((entry) => entry.erasedUserId)).toEqual([aliceId]);
  });

  it('holds no e-mail address, token or token hash in any encoding', () => {
    expect(Object.keys(secrets)).toHaveLength(5);
    expect(leaksIn(lines, secrets)).toEqual([]);
  });
});
