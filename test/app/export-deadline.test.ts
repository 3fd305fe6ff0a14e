/**
 * The GDPR export's bounds beyond its idle timeout, against real PostgreSQL (and PGlite,
 * the development database): a client that reads slowly but steadily is cut off at the
 * total deadline and its connection, snapshot and export slot are released; on PGlite a
 * client that does not read at all cannot stall the rest of the app.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createNote, openUnreadExport, pgliteBackend, postgresBackend, register, startApp, until, type Backend } from './support';

let app: FastifyInstance | undefined;
let backend: Backend | undefined;
afterEach(async () => {
  await app?.close();
  await backend?.stop();
  app = backend = undefined;
});

async function listen(instance: FastifyInstance): Promise<number> {
  await instance.listen({ port: 0, host: '127.0.0.1' });
  return (instance.server.address() as AddressInfo).port;
}

/** Sessions of the app that are inside a transaction (an export's snapshot). */
async function appTransactions(db: Backend): Promise<number> {
  const [{ count }] = await db.query<{ count: number }>(
    "SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'bulwark-app' AND xact_start IS NOT NULL",
  );
  return count;
}

describe('export deadline (PostgreSQL)', () => {
  it('cuts off a client that keeps reading slowly, and releases its connection, snapshot and slot', async () => {
    backend = postgresBackend();
    await backend.start();
    app = await startApp(backend.appOptions({ exportConcurrency: 1, exportDeadlineMs: 1_500 }));
    const port = await listen(app);
    const [slow, other] = [await register(app), await register(app)];
    await createNote(app, other);
    // 30 MB: at 64 KB every 200 ms the client would need over a minute and a half, and it
    // is never idle long enough for PostgreSQL's idle-in-transaction timeout.
    await backend.query("INSERT INTO notes (user_id, title, body) SELECT $1, 'n', repeat('x', 10000) FROM generate_series(1, 3000)", [slow.id]);

    const response = await openUnreadExport(port, slow);
    expect(response.statusCode).toBe(200);
    let bytes = 0;
    const reader = setInterval(() => (bytes += response.read(64 * 1024)?.length ?? 0), 200);
    const ended = new Promise<boolean>((resolve) => {
      response.on('error', () => undefined);
      response.on('close', () => resolve(response.complete));
    });
    try {
      expect(await appTransactions(backend)).toBe(1);
      await until(async () => response.destroyed, 'the export to be cut off');
      expect(await ended).toBe(false);
      expect(bytes).toBeGreaterThan(0);
      await until(async () => (await appTransactions(backend!)) === 0, 'the export transaction to end');
    } finally {
      clearInterval(reader);
      response.destroy();
    }
    // The slot is free again: another user's export runs to the end.
    const next = await app.inject({ url: '/v1/me/export', headers: other.auth });
    expect(next.statusCode).toBe(200);
    expect(next.json().notes).toHaveLength(1);
  });
});

describe('export on PGlite (development)', () => {
  it('a client that does not read does not stall the app: other requests are answered meanwhile', async () => {
    backend = pgliteBackend();
    await backend.start();
    app = await startApp(backend.appOptions({ exportConcurrency: 2 }));
    const port = await listen(app);
    // Two readers: a user has one export in flight at a time (a second one is 429).
    const [reader, secondReader, other] = [await register(app), await register(app), await register(app)];
    // 30 MB each: far more than the socket buffers take from a client that does not read.
    for (const { id } of [reader, secondReader]) {
      await backend.query("INSERT INTO notes (user_id, title, body) SELECT $1, 'n', repeat('x', 10000) FROM generate_series(1, 3000)", [id]);
    }
    const unread = [await openUnreadExport(port, reader), await openUnreadExport(port, secondReader)];
    try {
      expect(unread.map((response) => response.statusCode)).toEqual([200, 200]);
      // A bounded wait: before, PGlite's one session stayed inside the first export's
      // transaction until its client had read everything, and this request waited with it.
      const answered = await Promise.race([
        app.inject({ url: '/v1/notes', headers: other.auth }).then((response) => response.statusCode),
        new Promise((resolve) => setTimeout(() => resolve('still waiting after 20 s'), 20_000).unref()),
      ]);
      expect(answered).toBe(200);
    } finally {
      for (const response of unread) response.destroy();
    }
  });
});
