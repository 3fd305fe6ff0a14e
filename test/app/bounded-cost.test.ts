/**
 * Issue 11, item 4, against real PostgreSQL: no single user can make one task spend
 * unbounded memory or storage, reset their rate limit, or read the size of the database
 * off a cursor.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openExport } from '../../app/src/db/export';
import { newToken } from '../../app/src/tokens';
import { createNote, expectProblem, postgresBackend, register, spawnAppServer, startApp } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('notes per user', () => {
  it('are capped: the next create is 409 problem+json, and deleting one makes room', async () => {
    app = await startApp(backend.appOptions({ notesPerUserMax: 3 }));
    const user = await register(app);
    const notes = [await createNote(app, user), await createNote(app, user), await createNote(app, user)];
    const refused = expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: 't', body: 'b' } }), 409);
    expect(refused.detail).toMatch(/3/);
    expect((await app.inject({ method: 'DELETE', url: `/v1/notes/${notes[0].id}`, headers: user.auth })).statusCode).toBe(204);
    await createNote(app, user);
  });

  it('hold under concurrent creates: 30 at once against a cap of 5 store exactly 5', async () => {
    app = await startApp(backend.appOptions({ notesPerUserMax: 5 }));
    const user = await register(app);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => app!.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: `n${i}`, body: '' } })),
    ).then((responses) => responses.map((response) => response.statusCode));
    expect(statuses.filter((status) => status === 201)).toHaveLength(5);
    expect(statuses.filter((status) => status === 409)).toHaveLength(25);
    const [stored] = await backend.query<{ notes: string; counted: number }>(
      'SELECT (SELECT count(*) FROM notes WHERE user_id = u.id) AS notes, u.note_count AS counted FROM users u WHERE u.id = $1',
      [user.id],
    );
    expect(stored).toEqual({ notes: '5', counted: 5 });
  });
});

describe('per-user rate limit store', () => {
  it('keeps a limited user limited while thousands of random tokens arrive (more than the library’s default 5,000 keys)', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerUser: 2, rateLimitPerIp: 1_000_000, rateLimitTrackedClients: 20_000 }));
    const user = await register(app);
    const list = { url: '/v1/notes', headers: user.auth };
    await app.inject(list);
    await app.inject(list);
    expectProblem(await app.inject(list), 429);
    for (let batch = 0; batch < 51; batch++) {
      await Promise.all(Array.from({ length: 100 }, () => app!.inject({ url: '/v1/notes', headers: { authorization: `Bearer ${newToken()}` } })));
    }
    expectProblem(await app.inject(list), 429);
  });
});

describe('cursors', () => {
  it('are sealed with CURSOR_KEY: another task with the same key follows them, a task with another key refuses them', async () => {
    const cursorKey = randomBytes(32);
    app = await startApp(backend.appOptions({ cursorKey }));
    const user = await register(app);
    for (let i = 0; i < 3; i++) await createNote(app, user);
    const first = (await app.inject({ url: '/v1/notes?limit=1', headers: user.auth })).json();

    const sameKey = await startApp(backend.appOptions({ cursorKey }));
    const otherKey = await startApp(backend.appOptions({ cursorKey: randomBytes(32) }));
    try {
      const next = await sameKey.inject({ url: `/v1/notes?limit=1&cursor=${first.nextCursor}`, headers: user.auth });
      expect(next.statusCode).toBe(200);
      expect(next.json().items[0].id).not.toBe(first.items[0].id);
      expectProblem(await otherKey.inject({ url: `/v1/notes?limit=1&cursor=${first.nextCursor}`, headers: user.auth }), 400);
    } finally {
      await sameKey.close();
      await otherKey.close();
    }
  });
});

describe('GET /v1/me/export', () => {
  it('reads one snapshot: notes written, changed or deleted while it streams are not mixed in', async () => {
    app = await startApp(backend.appOptions());
    const user = await register(app);
    const notes = [];
    for (let i = 0; i < 5; i++) notes.push(await createNote(app, user, `note ${i}`));
    const [{ token_hash: tokenHash }] = await backend.query<{ token_hash: Buffer }>('SELECT token_hash FROM users WHERE id = $1', [user.id]);

    const failures: unknown[] = [];
    const stream = (await openExport(app.db, tokenHash, (error) => failures.push(error), { batchSize: 2 }))!;
    await backend.query('DELETE FROM notes WHERE id = $1', [notes[4].id]);
    await backend.query("UPDATE notes SET title = 'changed' WHERE id = $1", [notes[3].id]);
    await backend.query("INSERT INTO notes (user_id, title, body) VALUES ($1, 'late', '')", [user.id]);
    let text = '';
    for await (const chunk of stream) text += chunk.toString();

    const document = JSON.parse(text);
    expect(document.user).toEqual({ id: user.id, email: user.email, createdAt: expect.stringMatching(/Z$/) });
    expect(document.notes).toEqual(notes);
    expect(failures).toEqual([]);
  });

  it('a client that stops reading loses its export after the idle timeout; the task carries on', async () => {
    app = await startApp(backend.appOptions());
    const user = await register(app);
    for (let i = 0; i < 5; i++) await createNote(app, user);
    const [{ token_hash: tokenHash }] = await backend.query<{ token_hash: Buffer }>('SELECT token_hash FROM users WHERE id = $1', [user.id]);
    const failures: unknown[] = [];
    const stream = (await openExport(app.db, tokenHash, (error) => failures.push(error), { batchSize: 2, idleTimeoutMs: 200 }))!;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await expect((async () => {
      for await (const _chunk of stream) void _chunk;
    })()).rejects.toThrow();
    await until(async () => failures.length === 1, () => 'onError was not called');
    expect((await app.inject({ url: '/v1/notes', headers: user.auth })).statusCode).toBe(200);
  });

  it('runs at most EXPORT_CONCURRENCY at once: a slow reader holds its slot, the next export is 503 with Retry-After until it lets go', async () => {
    app = await startApp(backend.appOptions({ exportConcurrency: 1 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const [slow, other] = [await register(app), await register(app)];
    await createNote(app, other);
    // Far more than the socket buffers hold, so an unread response stays open.
    await backend.query("INSERT INTO notes (user_id, title, body) SELECT $1, 'n', repeat('x', 10000) FROM generate_series(1, 3000)", [slow.id]);

    const held = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/v1/me/export', headers: slow.auth }, (res) => {
        res.pause();
        resolve(res);
      })
        .on('error', reject)
        .end();
    });
    expect(held.statusCode).toBe(200);
    const refused = await app.inject({ url: '/v1/me/export', headers: other.auth });
    expectProblem(refused, 503);
    expect(refused.headers['retry-after']).toBe('5');

    held.destroy();
    await until(async () => (await app!.inject({ url: '/v1/me/export', headers: other.auth })).statusCode === 200, () => 'the slot was not released');
  });

  it('streams an export many times larger than the process’s heap (child process with --max-old-space-size)', async () => {
    const HEAP_MB = 96;
    const NOTES = 20_000;
    const { child: server, port, output } = await spawnAppServer([`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', join(__dirname, '..', '..', 'app', 'src', 'server.ts')], {
      DATABASE_URL: backend.server!.url,
      DB_SSL: 'disable',
      NOTES_PER_USER_MAX: String(NOTES),
    });
    try {
      await until(async () => (await get(port, '/readyz')).status === 200, output);
      const registration = await post(port, '/v1/users', { email: 'big.export@example.com' });
      const { id, token } = JSON.parse(registration.body);
      await backend.query(
        "INSERT INTO notes (user_id, title, body) SELECT $1, 'note ' || g, repeat(md5(g::text), 312) FROM generate_series(1, $2::int) g",
        [id, NOTES],
      );
      const exported = await download(port, '/v1/me/export', token);
      expect(exported.status, output()).toBe(200);
      expect(exported.notes, output()).toBe(NOTES);
      expect(exported.bytes).toBeGreaterThan(2 * HEAP_MB * 1024 * 1024);
      expect(exported.head).toMatch(/^\{"user":\{"id":"/);
      expect(exported.tail).toMatch(/"\}\]\}$/);
      expect((await get(port, '/healthz')).status).toBe(200);
      expect(server.exitCode).toBeNull();
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });
});


async function until(check: () => Promise<boolean>, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the app did not become ready:\n${log()}`);
}

function call(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const get = (port: number, path: string) => call(port, 'GET', path, {});
const post = (port: number, path: string, payload: object) => call(port, 'POST', path, { 'content-type': 'application/json' }, JSON.stringify(payload));

/** Reads the body without keeping it: its size, its ends, and how many notes it holds. */
function download(port: number, path: string, token: string): Promise<{ status: number; bytes: number; head: string; tail: string; notes: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      let head = '';
      let tail = '';
      let notes = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        if (head.length < 64) head += chunk.slice(0, 64);
        // Count note openings across chunk boundaries: scan the previous tail with this chunk.
        const window = tail + chunk;
        notes += (window.match(/\{"id":"[0-9a-f-]{36}","title"/g) ?? []).length - (tail.match(/\{"id":"[0-9a-f-]{36}","title"/g) ?? []).length;
        tail = window.slice(-64);
      });
      res.on('end', () => resolve({ status: res.statusCode!, bytes, head, tail, notes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
