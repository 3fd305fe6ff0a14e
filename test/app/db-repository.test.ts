/**
 * app/src/db/repository.ts and app/src/db/export.ts called directly (not through HTTP)
 * against a real throwaway PostgreSQL with the app's schema: every CallerResult case (no
 * caller, caller without the note, the note), the exact shapes and ISO-8601 timestamps,
 * the per-user cap and its count, keyset pagination, partial updates, erasure, and the
 * export document: batched in seq order (numeric, not text), the user's fields, no user →
 * undefined, the idle timeout set on the transaction, the deadline error, and a failure
 * before the stream opens rejecting instead of reaching onError. The PGlite export path
 * (read in one go) produces the same document.
 *
 * The schema is created from the migration files with plain SQL in beforeAll, so no app
 * code runs outside a test.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Session } from '../../app/src/db/database';
import type { Note } from '../../app/src/db/repository';
import { freshModuleEachTest } from '../support/fresh-module';
import { postgresBackend, uniqueEmail, until } from './support';

// Loaded anew in each test, together (one graph): the SQL fragments repository.ts and export.ts
// build when they load (column lists, the caller CTE, the ISO-8601 formatting) are part of
// what each test pins.
const modules = freshModuleEachTest(async () => ({
  ...(await import('../../app/src/db/database')),
  ...(await import('../../app/src/db/export')),
  ...(await import('../../app/src/db/repository')),
}));

const quietLog = { warn: () => undefined, info: () => undefined };
const SCHEMA = readdirSync('app/migrations')
  .filter((file) => file.endsWith('.sql'))
  .sort()
  .map((file) => readFileSync(join('app/migrations', file), 'utf8'))
  .join('\n');

const backend = postgresBackend();
beforeAll(async () => {
  await backend.start();
  await backend.query(SCHEMA);
});
afterAll(() => backend.stop());

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const token = (): Buffer => randomBytes(32);

async function withDatabase<T>(work: (db: Database) => Promise<T>, poolSize = 2): Promise<T> {
  const db = await modules().createPostgresDatabase({ kind: 'postgres', connectionString: backend.server!.url, ssl: { mode: 'disable' }, poolSize }, quietLog);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

describe('Repository', () => {
  it('createUser: the id, the e-mail as given and created_at as ISO-8601 UTC with milliseconds', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const email = uniqueEmail('Mixed.Case');
      const user = await repo.createUser(email, token());
      expect(user).toEqual({ id: expect.stringMatching(UUID), email, createdAt: expect.stringMatching(ISO_MS) });
      const [{ created }] = await backend.query<{ created: string }>(
        `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created FROM users WHERE id = $1`,
        [user.id],
      );
      expect(user.createdAt).toBe(created);
    });
  });

  it('createUser: an e-mail taken in any case is EmailTakenError; any other failure is the driver’s', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const email = uniqueEmail('taken');
      await repo.createUser(email, token());
      const taken = await repo.createUser(email.toUpperCase(), token()).catch((error: unknown) => error);
      expect(taken).toBeInstanceOf(modules().EmailTakenError);
      expect((taken as Error).message).toBe('email already registered');
      // A 31-byte hash breaks the length check (23514), not uniqueness.
      await expect(repo.createUser(uniqueEmail('short'), randomBytes(31))).rejects.toMatchObject({ code: '23514' });
    });
  });

  it('createNote: no caller; a note with its fields; the cap reached (value undefined) and counted', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      expect(await repo.createNote(token(), 't', 'b', 5)).toEqual({ caller: false });
      const hash = token();
      const user = await repo.createUser(uniqueEmail('notes'), hash);
      const first = await repo.createNote(hash, 'first title', 'first body', 2);
      expect(first).toEqual({
        caller: true,
        value: { id: expect.stringMatching(UUID), title: 'first title', body: 'first body', createdAt: expect.stringMatching(ISO_MS), updatedAt: expect.stringMatching(ISO_MS) },
      });
      const note = (first as { value: Note }).value;
      expect(note.updatedAt).toBe(note.createdAt);
      expect(Object.keys(note).sort()).toEqual(['body', 'createdAt', 'id', 'title', 'updatedAt']);
      expect(await repo.createNote(hash, 'second', '', 2)).toMatchObject({ caller: true, value: { title: 'second', body: '' } });
      expect(await repo.createNote(hash, 'third', 'over the cap', 2)).toEqual({ caller: true, value: undefined });
      expect(await backend.query('SELECT note_count FROM users WHERE id = $1', [user.id])).toEqual([{ note_count: 2 }]);
      expect(await backend.query<{ n: number }>('SELECT count(*)::int AS n FROM notes WHERE user_id = $1', [user.id])).toEqual([{ n: 2 }]);
    });
  });

  it('createNote: nothing inserted and the caller gone by the re-check is "no caller"', async () => {
    const answers: unknown[][] = [[{ caller_id: 'c', id: null }], []];
    const sql: string[] = [];
    const db = {
      kind: 'postgres',
      query: async (text: string) => {
        sql.push(text);
        return answers.shift();
      },
    } as unknown as Database;
    expect(await new (modules().Repository)(db).createNote(token(), 't', 'b', 1)).toEqual({ caller: false });
    expect(sql[1]).toBe('SELECT 1 FROM users WHERE token_hash = $1');
  });

  it('getNote: no caller, another user’s note (caller, no value), and the caller’s own', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const owner = token();
      const other = token();
      await repo.createUser(uniqueEmail('owner'), owner);
      await repo.createUser(uniqueEmail('other'), other);
      const { value: note } = (await repo.createNote(owner, 'mine', 'body', 10)) as { value: Note };
      expect(await repo.getNote(token(), note.id)).toEqual({ caller: false });
      expect(await repo.getNote(other, note.id)).toEqual({ caller: true, value: undefined });
      expect(await repo.getNote(owner, note.id)).toEqual({ caller: true, value: note });
    });
  });

  it('listNotes: newest first, limited, the next page before a seq, the caller’s id; empty for a caller without notes', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('list'), hash);
      expect(await repo.listNotes(token(), 10)).toEqual({ caller: false });
      expect(await repo.listNotes(hash, 10)).toEqual({ caller: true, value: { callerId: user.id, notes: [] } });
      const created: Note[] = [];
      for (let i = 1; i <= 5; i += 1) created.push(((await repo.createNote(hash, `n${i}`, `b${i}`, 10)) as { value: Note }).value);
      const page1 = (await repo.listNotes(hash, 2)) as { caller: true; value: { callerId: string; notes: Array<Note & { seq: string }> } };
      expect(page1.value.callerId).toBe(user.id);
      expect(page1.value.notes.map((n) => n.title)).toEqual(['n5', 'n4']);
      expect(page1.value.notes[0]).toEqual({ ...created[4], seq: expect.stringMatching(/^\d+$/) });
      const page2 = (await repo.listNotes(hash, 2, page1.value.notes[1].seq)) as typeof page1;
      expect(page2.value.notes.map((n) => n.title)).toEqual(['n3', 'n2']);
      const page3 = (await repo.listNotes(hash, 2, page2.value.notes[1].seq)) as typeof page1;
      expect(page3.value.notes.map((n) => n.title)).toEqual(['n1']);
      expect(Number(page3.value.notes[0].seq)).toBeLessThan(Number(page2.value.notes[1].seq));
    });
  });

  it('updateNote: title or body alone keeps the other, updatedAt moves; no caller; not the caller’s note', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const other = token();
      await repo.createUser(uniqueEmail('update'), hash);
      await repo.createUser(uniqueEmail('update-other'), other);
      const { value: note } = (await repo.createNote(hash, 'old title', 'old body', 10)) as { value: Note };
      await backend.query("UPDATE notes SET updated_at = updated_at - interval '1 minute', created_at = created_at - interval '1 minute' WHERE id = $1", [note.id]);
      const titled = (await repo.updateNote(hash, note.id, { title: 'new title' })) as { value: Note };
      expect(titled).toMatchObject({ caller: true, value: { id: note.id, title: 'new title', body: 'old body' } });
      expect(titled.value.updatedAt > titled.value.createdAt).toBe(true);
      expect(await repo.updateNote(hash, note.id, { body: 'new body' })).toMatchObject({ caller: true, value: { title: 'new title', body: 'new body' } });
      expect(await repo.updateNote(hash, note.id, {})).toMatchObject({ caller: true, value: { title: 'new title', body: 'new body' } });
      expect(await repo.updateNote(other, note.id, { title: 'hijack' })).toEqual({ caller: true, value: undefined });
      expect(await repo.updateNote(token(), note.id, { title: 'x' })).toEqual({ caller: false });
      expect(await backend.query('SELECT title FROM notes WHERE id = $1', [note.id])).toEqual([{ title: 'new title' }]);
    });
  });

  it('deleteNote: true once, then false; the count goes down and never below 0; no caller', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('delete'), hash);
      const { value: a } = (await repo.createNote(hash, 'a', 'a', 10)) as { value: Note };
      const { value: b } = (await repo.createNote(hash, 'b', 'b', 10)) as { value: Note };
      expect(await repo.deleteNote(token(), a.id)).toEqual({ caller: false });
      expect(await repo.deleteNote(hash, a.id)).toEqual({ caller: true, value: true });
      expect(await repo.deleteNote(hash, a.id)).toEqual({ caller: true, value: false });
      expect(await backend.query('SELECT note_count FROM users WHERE id = $1', [user.id])).toEqual([{ note_count: 1 }]);
      // A note from before the count existed: deleting it leaves 0, not -1.
      await backend.query('UPDATE users SET note_count = 0 WHERE id = $1', [user.id]);
      expect(await repo.deleteNote(hash, b.id)).toEqual({ caller: true, value: true });
      expect(await backend.query('SELECT note_count FROM users WHERE id = $1', [user.id])).toEqual([{ note_count: 0 }]);
    });
  });

  it('rotateToken: the new token works and the old one not; an unknown token is false', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const old = token();
      const rotated = token();
      await repo.createUser(uniqueEmail('rotate'), old);
      expect(await repo.rotateToken(old, rotated)).toBe(true);
      expect(await repo.listNotes(old, 1)).toEqual({ caller: false });
      expect(await repo.listNotes(rotated, 1)).toMatchObject({ caller: true });
      expect(await repo.rotateToken(old, token())).toBe(false);
    });
  });

  it('eraseUser: the erased id, notes gone by cascade; undefined the second time; ping answers', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('erase'), hash);
      await repo.createNote(hash, 'gone', 'gone', 10);
      expect(await repo.eraseUser(hash)).toBe(user.id);
      expect(await backend.query('SELECT 1 FROM notes WHERE user_id = $1', [user.id])).toEqual([]);
      expect(await repo.eraseUser(hash)).toBeUndefined();
      await expect(repo.ping()).resolves.toBeUndefined();
    });
    const closed = await modules().createPostgresDatabase({ kind: 'postgres', connectionString: backend.server!.url, ssl: { mode: 'disable' }, poolSize: 1 }, quietLog);
    await closed.close();
    await expect(new (modules().Repository)(closed).ping()).rejects.toThrow('database unavailable');
  });
});

async function readAll(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/** `db` with every SQL text its snapshot sessions run recorded. */
function recordingSnapshots(db: Database): { db: Database; sql: string[] } {
  const sql: string[] = [];
  const wrap = (session: Session): Session => ({
    query: ((text: string, params?: readonly unknown[]) => {
      sql.push(text);
      return session.query(text, params);
    }) as Session['query'],
    exec: session.exec,
  });
  return { sql, db: { ...db, kind: db.kind, query: db.query, withSession: (work) => db.withSession((s) => work(wrap(s))), withSnapshot: (work) => db.withSnapshot((s) => work(wrap(s))), close: () => db.close() } };
}

describe('openExport', () => {
  it('the error for a cut-off export names its deadline', () => {
    const error = new (modules().ExportDeadlineError)(1_500);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: 'EXPORT_DEADLINE', deadlineMs: 1_500, message: 'export cut off at its 1500 ms deadline' });
    expect(modules().EXPORT_BATCH_SIZE).toBe(200);
    expect(modules().EXPORT_IDLE_TIMEOUT_MS).toBe(60_000);
  });

  it('no user for the token: undefined, and the connection goes back', async () => {
    await withDatabase(async (db) => {
      const errors: unknown[] = [];
      expect(await modules().openExport(db, token(), (error) => errors.push(error), { deadlineMs: 10_000 })).toBeUndefined();
      expect(errors).toEqual([]);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    }, 1);
  });

  it('streams the user and every note in seq order across batches (numeric order past 9), then lets go of the connection', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('export'), hash);
      const notes: Note[] = [];
      for (let i = 1; i <= 11; i += 1) notes.push(((await repo.createNote(hash, `title ${i}`, `body "${i}"\n`, 20)) as { value: Note }).value);
      const { db: recorded, sql } = recordingSnapshots(db);
      const errors: unknown[] = [];
      const stream = await modules().openExport(recorded, hash, (error) => errors.push(error), { deadlineMs: 30_000, batchSize: 4, idleTimeoutMs: 1_500.9 });
      const text = await readAll(stream!);
      expect(JSON.parse(text)).toEqual({ user: { id: user.id, email: user.email, createdAt: user.createdAt }, notes });
      expect(text.startsWith(`{"user":{"id":"${user.id}","email":`)).toBe(true);
      expect(text.endsWith(']}')).toBe(true);
      expect(text).not.toContain(',,');
      expect(sql[0]).toBe('SET LOCAL idle_in_transaction_session_timeout = 1500');
      // 11 notes in batches of 4: three reads (4, 4, 3).
      expect(sql.filter((s) => s.includes('FROM notes n'))).toHaveLength(3);
      expect(errors).toEqual([]);
      await until(async () => (await backend.query("SELECT 1 FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = 'bulwark-app'")).length === 0, 'the export transaction to end', 10_000);
      expect(await db.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    }, 1);
  });

  it('a user without notes, batches exactly full, and the defaults (200 per batch, 60 s idle timeout)', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('empty-export'), hash);
      const { db: recorded, sql } = recordingSnapshots(db);
      const empty = await readAll((await modules().openExport(recorded, hash, () => undefined, { deadlineMs: 30_000 }))!);
      expect(empty).toBe(`{"user":${JSON.stringify({ id: user.id, email: user.email, createdAt: user.createdAt })},"notes":[]}`);
      expect(sql[0]).toBe('SET LOCAL idle_in_transaction_session_timeout = 60000');
      expect(sql.filter((s) => s.includes('FROM notes n'))).toHaveLength(1);

      for (let i = 1; i <= 4; i += 1) await repo.createNote(hash, `t${i}`, 'b', 10);
      sql.length = 0;
      const full = JSON.parse(await readAll((await modules().openExport(recorded, hash, () => undefined, { deadlineMs: 30_000, batchSize: 2 }))!));
      expect(full.notes.map((n: Note) => n.title)).toEqual(['t1', 't2', 't3', 't4']);
      // Two full batches, then an empty read that ends it.
      expect(sql.filter((s) => s.includes('FROM notes n'))).toHaveLength(3);
    }, 1);
  });

  it('an export not read within its deadline is cut off: onError hears ExportDeadlineError and the connection is returned', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      await repo.createUser(uniqueEmail('deadline'), hash);
      const errors: unknown[] = [];
      const stream = await modules().openExport(db, hash, (error) => errors.push(error), { deadlineMs: 50 });
      expect(stream).toBeDefined();
      await until(async () => errors.length > 0, 'the deadline to cut the export off', 10_000);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(modules().ExportDeadlineError);
      expect(errors[0]).toMatchObject({ deadlineMs: 50 });
      expect(stream!.destroyed).toBe(true);
      expect(await db.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
    }, 1);
  });

  it('a client that goes away (stream destroyed) ends the export quietly', async () => {
    await withDatabase(async (db) => {
      const repo = new (modules().Repository)(db);
      const hash = token();
      await repo.createUser(uniqueEmail('abandoned'), hash);
      const errors: unknown[] = [];
      const stream = await modules().openExport(db, hash, (error) => errors.push(error), { deadlineMs: 30_000 });
      stream!.destroy();
      expect(await db.query('SELECT 4 AS four')).toEqual([{ four: 4 }]);
      expect(errors).toEqual([]);
    }, 1);
  });

  it('a failure before anything is sent rejects the open, not onError', async () => {
    await backend.query('CREATE DATABASE export_no_schema');
    const db = await modules().createPostgresDatabase(
      { kind: 'postgres', connectionString: backend.server!.url.replace(/\/[^/]+$/, '/export_no_schema'), ssl: { mode: 'disable' }, poolSize: 1 },
      quietLog,
    );
    try {
      const errors: unknown[] = [];
      await expect(modules().openExport(db, token(), (error) => errors.push(error), { deadlineMs: 10_000 })).rejects.toMatchObject({ code: '42P01' });
      expect(errors).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('PGlite: the same document, read in one go', async () => {
    const db = await modules().createPgliteDatabase(quietLog);
    try {
      await db.withSession(({ exec }) => exec(SCHEMA));
      const repo = new (modules().Repository)(db);
      const hash = token();
      const user = await repo.createUser(uniqueEmail('pglite'), hash);
      const notes: Note[] = [];
      for (let i = 1; i <= 3; i += 1) notes.push(((await repo.createNote(hash, `p${i}`, 'b', 10)) as { value: Note }).value);
      const errors: unknown[] = [];
      const stream = await modules().openExport(db, hash, (error) => errors.push(error), { deadlineMs: 10_000, batchSize: 2 });
      // The document was read before the stream was handed over: other queries are not held up while it is unread.
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(JSON.parse(await readAll(stream!))).toEqual({ user, notes });
      expect(await modules().openExport(db, token(), () => undefined, { deadlineMs: 10_000 })).toBeUndefined();
      expect(errors).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
