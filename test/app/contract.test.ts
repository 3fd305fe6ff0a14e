/**
 * Every line of the API contract (issue 5), run against a real PostgreSQL 15 server and
 * against PGlite.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, createNote, expectProblem, register, startApp, uniqueEmail } from './support';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe.each(backends())('contract on $name', (backend) => {
  let app: FastifyInstance;
  const emf: string[] = [];

  beforeAll(async () => {
    await backend.start();
    app = await startApp({ ...backend.appOptions(), metricsSink: (line) => emf.push(line) });
  });
  afterAll(async () => {
    await app?.close();
    await backend.stop();
  });

  describe('health', () => {
    it('GET /healthz is 200 without touching the database', async () => {
      const response = await app.inject('/healthz');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('GET /readyz is 200 when the database answers', async () => {
      const response = await app.inject('/readyz');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });
  });

  describe('POST /v1/users', () => {
    it('returns 201 {id, email, token} and stores only the SHA-256 of the token', async () => {
      const email = uniqueEmail();
      const response = await app.inject({ method: 'POST', url: '/v1/users', payload: { email } });
      expect(response.statusCode).toBe(201);
      const body = response.json();
      expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email, token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), createdAt: expect.any(String) });

      const rows = await backend.query<{ token_hash: Uint8Array; email: string }>('SELECT * FROM users WHERE id = $1', [body.id]);
      expect(rows).toHaveLength(1);
      expect(Buffer.from(rows[0].token_hash).equals(createHash('sha256').update(body.token).digest())).toBe(true);
      expect(JSON.stringify(rows[0])).not.toContain(body.token);
    });

    it('409 on a duplicate e-mail, whatever its case', async () => {
      const email = uniqueEmail('dup');
      await register(app, email);
      expectProblem(await app.inject({ method: 'POST', url: '/v1/users', payload: { email } }), 409);
      expectProblem(await app.inject({ method: 'POST', url: '/v1/users', payload: { email: email.toUpperCase() } }), 409);
    });

    it.each([
      ['a non-address', { email: 'not-an-email' }],
      ['a missing field', {}],
      ['an unknown field', { email: uniqueEmail(), admin: true }],
      ['a wrong type', { email: 42 }],
      ['an over-long address', { email: `${'a'.repeat(250)}@example.com` }],
    ])('400 for %s', async (_case, payload) => {
      expectProblem(await app.inject({ method: 'POST', url: '/v1/users', payload }), 400);
    });
  });

  describe('authentication', () => {
    const protectedRoutes = [
      ['POST', '/v1/notes'],
      ['GET', '/v1/notes'],
      ['GET', '/v1/notes/00000000-0000-4000-8000-000000000000'],
      ['PATCH', '/v1/notes/00000000-0000-4000-8000-000000000000'],
      ['DELETE', '/v1/notes/00000000-0000-4000-8000-000000000000'],
      ['GET', '/v1/me/export'],
      ['DELETE', '/v1/me'],
    ] as const;
    const badHeaders = {
      missing: {},
      'not bearer': { authorization: 'Basic dXNlcjpwYXNz' },
      malformed: { authorization: 'Bearer not-a-token' },
      'well-formed but unknown': { authorization: `Bearer ${'A'.repeat(43)}` },
    };

    for (const [method, url] of protectedRoutes) {
      for (const [name, headers] of Object.entries(badHeaders)) {
        it(`${method} ${url} with a ${name} token is 401`, async () => {
          const payload = method === 'POST' || method === 'PATCH' ? { title: 't', body: 'b' } : undefined;
          const response = await app.inject({ method, url, headers, payload });
          expectProblem(response, 401);
          expect(response.headers['www-authenticate']).toBe('Bearer');
        });
      }
    }
  });

  describe('notes', () => {
    it('create 201, read 200, update 200, delete 204, then 404', async () => {
      const user = await register(app);
      const created = await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: 'first', body: 'hello' } });
      expect(created.statusCode).toBe(201);
      const note = created.json();
      expect(note).toEqual({ id: expect.any(String), title: 'first', body: 'hello', createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect(created.headers.location).toBe(`/v1/notes/${note.id}`);

      const read = await app.inject({ url: `/v1/notes/${note.id}`, headers: user.auth });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toEqual(note);

      const patched = await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: user.auth, payload: { body: 'changed' } });
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ id: note.id, title: 'first', body: 'changed' });

      const deleted = await app.inject({ method: 'DELETE', url: `/v1/notes/${note.id}`, headers: user.auth });
      expect(deleted.statusCode).toBe(204);
      expect(deleted.body).toBe('');

      expectProblem(await app.inject({ url: `/v1/notes/${note.id}`, headers: user.auth }), 404);
      expectProblem(await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: user.auth, payload: { title: 'x' } }), 404);
      expectProblem(await app.inject({ method: 'DELETE', url: `/v1/notes/${note.id}`, headers: user.auth }), 404);
    });

    it('accepts the limits exactly: title 1..200, body 0..10,000 characters', async () => {
      const user = await register(app);
      await createNote(app, user, 't', '');
      await createNote(app, user, 'x'.repeat(200), 'y'.repeat(10_000));
      await createNote(app, user, '😀'.repeat(200), '😀'.repeat(10_000));
    });

    it.each([
      ['an empty title', { title: '', body: '' }],
      ['a 201-character title', { title: 'x'.repeat(201), body: '' }],
      ['a 10,001-character body', { title: 't', body: 'y'.repeat(10_001) }],
      ['a missing body', { title: 't' }],
      ['an unknown field', { title: 't', body: 'b', pinned: true }],
      ['a number as title', { title: 5, body: 'b' }],
      ['a NUL character', { title: 'a\u0000b', body: 'b' }],
      ['an array', [{ title: 't', body: 'b' }]],
    ])('POST /v1/notes with %s is 400', async (_case, payload) => {
      const user = await register(app);
      expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: payload as object }), 400);
    });

    it('PATCH with an empty object or unknown fields is 400; a non-uuid id is 400', async () => {
      const user = await register(app);
      const note = await createNote(app, user);
      expectProblem(await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: user.auth, payload: {} }), 400);
      expectProblem(await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: user.auth, payload: { owner: 'me' } }), 400);
      expectProblem(await app.inject({ url: '/v1/notes/1 OR 1=1', headers: user.auth }), 400);
    });

    it('malformed JSON is 400, a non-JSON content type 415, an oversized body 413', async () => {
      const user = await register(app);
      const headers = { ...user.auth, ...JSON_HEADERS };
      const malformed = expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers, payload: '{"title": "x",' }), 400);
      expect(malformed.detail).toBe('The request body is not valid JSON.');
      expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers: { ...user.auth, 'content-type': 'text/plain' }, payload: 'hi' }), 415);
      const huge = JSON.stringify({ title: 't', body: 'x'.repeat(200_000) });
      expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers, payload: huge }), 413);
    });
  });

  describe('isolation', () => {
    it("another user's note is 404 for read, update and delete, and never listed", async () => {
      const owner = await register(app);
      const intruder = await register(app);
      const note = await createNote(app, owner, 'private', 'secret');

      expectProblem(await app.inject({ url: `/v1/notes/${note.id}`, headers: intruder.auth }), 404);
      expectProblem(await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: intruder.auth, payload: { body: 'pwned' } }), 404);
      expectProblem(await app.inject({ method: 'DELETE', url: `/v1/notes/${note.id}`, headers: intruder.auth }), 404);
      const list = await app.inject({ url: '/v1/notes', headers: intruder.auth });
      expect(list.json()).toEqual({ items: [], nextCursor: null });

      const stillThere = await app.inject({ url: `/v1/notes/${note.id}`, headers: owner.auth });
      expect(stillThere.json()).toMatchObject({ body: 'secret' });
    });
  });

  describe('pagination', () => {
    it('walks every note exactly once, newest first, with keyset cursors', async () => {
      const user = await register(app);
      const ids: string[] = [];
      for (let i = 0; i < 45; i++) ids.push((await createNote(app, user, `note ${i}`)).id);

      const seen: string[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/v1/notes?limit=20${cursor ? `&cursor=${cursor}` : ''}`;
        const response = await app.inject({ url, headers: user.auth });
        expect(response.statusCode).toBe(200);
        const page = response.json() as { items: Array<{ id: string }>; nextCursor: string | null };
        pageSizes.push(page.items.length);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor);

      expect(pageSizes).toEqual([20, 20, 5]);
      expect(seen).toEqual([...ids].reverse());
    });

    it('defaults to 20 items and has no next cursor on an exact last page', async () => {
      const user = await register(app);
      for (let i = 0; i < 20; i++) await createNote(app, user);
      const page = (await app.inject({ url: '/v1/notes', headers: user.auth })).json();
      expect(page.items).toHaveLength(20);
      expect(page.nextCursor).toBeNull();
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'cursor=not-ours', 'cursor=bjA', 'sort=title'])('400 for ?%s', async (query) => {
      const user = await register(app);
      expectProblem(await app.inject({ url: `/v1/notes?${query}`, headers: user.auth }), 400);
    });
  });

  describe('injection and XSS payloads are stored and returned as inert data', () => {
    const payloads = [
      "'; DROP TABLE notes; --",
      "' OR '1'='1",
      '" OR ""="',
      '$1; SELECT pg_sleep(10)',
      '<script>alert(document.cookie)</script>',
      '<img src=x onerror=alert(1)>',
      '{{constructor.constructor("alert(1)")()}}',
      '\\u0000 not a real NUL \\x00',
      '../../../../etc/passwd',
      '🙂 ünïcødé ‮ right-to-left',
    ];

    it.each(payloads)('%s', async (payload) => {
      const user = await register(app);
      const note = await createNote(app, user, payload.slice(0, 200), payload);
      const read = await app.inject({ url: `/v1/notes/${note.id}`, headers: user.auth });
      expect(read.headers['content-type']).toMatch(/^application\/json/);
      expect(read.headers['x-content-type-options']).toBe('nosniff');
      expect(read.json()).toMatchObject({ title: payload.slice(0, 200), body: payload });
      const [{ count }] = await backend.query<{ count: string | number }>('SELECT count(*) FROM notes WHERE id = $1', [note.id]);
      expect(Number(count)).toBe(1);
    });

    it('an injection attempt in the e-mail is rejected or stored verbatim', async () => {
      const email = `x'--${Date.now()}@example.com`;
      const response = await app.inject({ method: 'POST', url: '/v1/users', payload: { email } });
      if (response.statusCode === 201) expect(response.json().email).toBe(email);
      else expectProblem(response, 400);
      expect((await backend.query('SELECT 1 FROM users LIMIT 1')).length).toBe(1);
    });
  });

  describe('GDPR', () => {
    it('export returns all the caller’s data and nobody else’s', async () => {
      const user = await register(app);
      const other = await register(app);
      const notes = [await createNote(app, user, 'one'), await createNote(app, user, 'two')];
      await createNote(app, other, 'not yours');

      const response = await app.inject({ url: '/v1/me/export', headers: user.auth });
      expect(response.statusCode).toBe(200);
      const data = response.json();
      expect(data.user).toEqual({ id: user.id, email: user.email, createdAt: expect.any(String) });
      expect(data.notes).toEqual(notes);
      expect(JSON.stringify(data)).not.toContain('token');
    });

    it('DELETE /v1/me erases the user and their notes, and the token stops working', async () => {
      const user = await register(app);
      const note = await createNote(app, user);
      expect((await app.inject({ method: 'DELETE', url: '/v1/me', headers: user.auth })).statusCode).toBe(204);

      expectProblem(await app.inject({ url: '/v1/notes', headers: user.auth }), 401);
      expectProblem(await app.inject({ url: `/v1/notes/${note.id}`, headers: user.auth }), 401);
      expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: 't', body: 'b' } }), 401);
      expectProblem(await app.inject({ method: 'DELETE', url: '/v1/me', headers: user.auth }), 401);
      expect(await backend.query('SELECT 1 FROM users WHERE id = $1', [user.id])).toHaveLength(0);
      expect(await backend.query('SELECT 1 FROM notes WHERE user_id = $1', [user.id])).toHaveLength(0);

      // The address can be registered again: nothing of the old account remains.
      await register(app, user.email);
    });
  });

  describe('errors, headers and documents', () => {
    it('unknown routes are 404 problem+json without echoing the URL', async () => {
      const body = expectProblem(await app.inject('/nope/<script>'), 404);
      expect(JSON.stringify(body)).not.toContain('script');
    });

    it.each(['/healthz', '/v1/notes', '/nope', '/'])('security headers on %s', async (url) => {
      const response = await app.inject(url);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(response.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d{7,}; includeSubDomains/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('GET / is a small HTML page describing the service', async () => {
      const response = await app.inject('/');
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain('/v1/notes');
      expect(response.body).not.toContain('<script');
    });

    it('GET /openapi.json documents every route; /docs serves the reference', async () => {
      const spec = (await app.inject('/openapi.json')).json();
      expect(spec.openapi).toMatch(/^3\./);
      const documented = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(documented.sort()).toEqual(
        [
          'GET /healthz',
          'GET /readyz',
          'POST /v1/users',
          'POST /v1/notes',
          'GET /v1/notes',
          'GET /v1/notes/{id}',
          'PATCH /v1/notes/{id}',
          'DELETE /v1/notes/{id}',
          'GET /v1/me/export',
          'POST /v1/me/token',
          'DELETE /v1/me',
        ].sort(),
      );
      expect(spec.components.schemas).toHaveProperty('Note');
      expect(spec.components.schemas).toHaveProperty('Problem');
      const docs = await app.inject('/docs/');
      expect(docs.statusCode).toBe(200);
      expect(docs.body).toMatch(/swagger/i);
    });

    it('business metrics are written as EMF with the Stage dimension', async () => {
      const user = await register(app);
      await createNote(app, user);
      await app.inject({ url: '/v1/me/export', headers: user.auth });
      await app.inject({ method: 'DELETE', url: '/v1/me', headers: user.auth });
      app.metrics.flush();
      const document = JSON.parse(emf[emf.length - 1]);
      expect(document._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Bulwark/Business', Dimensions: [['Stage']] });
      expect(document.Stage).toBe('test');
      for (const metric of ['UsersRegistered', 'NotesCreated', 'DataExports', 'UsersErased']) {
        expect(document[metric], metric).toBeGreaterThanOrEqual(1);
      }
    });
  });
});
