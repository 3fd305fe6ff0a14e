/**
 * Issue 11, item 5, against real PostgreSQL: a leaked token is revoked by rotating it,
 * without erasing the account.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNote, expectProblem, postgresBackend, register, startApp } from './support';

const backend = postgresBackend();
let app: FastifyInstance;
beforeAll(async () => {
  await backend.start();
  app = await startApp(backend.appOptions());
});
afterAll(async () => {
  await app?.close();
  await backend.stop();
});

describe('POST /v1/me/token', () => {
  it('returns a new token that works, and the old one is 401 from then on; the notes stay', async () => {
    const user = await register(app);
    const note = await createNote(app, user);
    const rotated = await app.inject({ method: 'POST', url: '/v1/me/token', headers: user.auth });
    expect(rotated.statusCode).toBe(201);
    const { token } = rotated.json();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(user.token);

    expectProblem(await app.inject({ url: `/v1/notes/${note.id}`, headers: user.auth }), 401);
    const read = await app.inject({ url: `/v1/notes/${note.id}`, headers: { authorization: `Bearer ${token}` } });
    expect(read.json()).toEqual(note);
  });

  it('is atomic: of concurrent rotations with one token exactly one succeeds, and only its token works', async () => {
    const user = await register(app);
    const responses = await Promise.all(Array.from({ length: 10 }, () => app.inject({ method: 'POST', url: '/v1/me/token', headers: user.auth })));
    const winners = responses.filter((response) => response.statusCode === 201);
    expect(winners).toHaveLength(1);
    for (const loser of responses.filter((response) => response.statusCode !== 201)) expectProblem(loser, 401);
    const works = await app.inject({ url: '/v1/notes', headers: { authorization: `Bearer ${winners[0].json().token}` } });
    expect(works.statusCode).toBe(200);
  });

  it('an unknown token is 401', async () => {
    expectProblem(await app.inject({ method: 'POST', url: '/v1/me/token', headers: { authorization: `Bearer ${'A'.repeat(43)}` } }), 401);
  });
});
