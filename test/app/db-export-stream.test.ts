/**
 * app/src/db/export.ts, the stream's plumbing, on a scripted database (the SQL and the
 * document against a real PostgreSQL are db-repository.test.ts): the export is a byte
 * stream on both paths, streamed (PostgreSQL) and read in one go (PGlite); a failure after
 * the open has settled (the transaction's COMMIT) reaches onError rather than being lost;
 * and once the document is sent, the deadline's timer is cleared.
 */
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Database, Session } from '../../app/src/db/database';
import { openExport } from '../../app/src/db/export';

const user = { id: '0f8fad5b-d9cb-469f-a165-70867728950e', email: 'a@example.com', createdAt: '2024-01-02T03:04:05.678Z' };
const note = { seq: '1', id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', title: 't', body: 'b', created_at: user.createdAt, updated_at: user.createdAt };

/**
 * A database whose snapshot session answers the export's queries (the caller, when
 * `withUser`, and one note), and whose snapshot fails after the work with `commitError`
 * when one is given. `snapshots` holds each withSnapshot's outcome, to wait for.
 */
function scriptedDatabase(kind: Database['kind'], options: { withUser: boolean; commitError?: Error }) {
  const snapshots: Array<Promise<unknown>> = [];
  const query = (async (sql: string, params?: readonly unknown[]) => {
    if (sql.startsWith('SET LOCAL')) return [];
    if (sql.includes('FROM users')) return options.withUser ? [user] : [];
    if (sql.includes('FROM notes n')) return params?.[1] === '0' ? [note] : [];
    throw new Error(`unexpected SQL: ${sql}`);
  }) as Session['query'];
  const session: Session = { query, exec: async () => undefined };
  const db: Database = {
    kind,
    query,
    withSession: (work) => work(session),
    withSnapshot: <T>(work: (s: Session) => Promise<T>) => {
      const outcome = work(session).then((result) => {
        if (options.commitError) throw options.commitError;
        return result;
      });
      snapshots.push(outcome.catch(() => undefined));
      return outcome;
    },
    close: async () => undefined,
  };
  return { db, snapshots };
}

/** Every chunk the stream gives, as given. */
async function chunks(stream: Readable): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const chunk of stream) all.push(chunk);
  return all;
}

/** Lets the callbacks chained on a settled promise run (one macrotask turn). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('openExport (scripted database)', () => {
  it.each(['postgres', 'pglite'] as const)('%s: the document is a byte stream, not object mode (its buffer counts bytes, not notes)', async (kind) => {
    const { db } = scriptedDatabase(kind, { withUser: true });
    const stream = (await openExport(db, Buffer.alloc(32), () => undefined, { deadlineMs: 30_000 }))!;
    expect(stream.readableObjectMode).toBe(false);
    const read = await chunks(stream);
    expect(read.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
    expect(JSON.parse(Buffer.concat(read as Buffer[]).toString('utf8'))).toEqual({
      user,
      notes: [{ id: note.id, title: 't', body: 'b', createdAt: user.createdAt, updatedAt: user.createdAt }],
    });
  });

  // No caller (resolved undefined), and PGlite's document (resolved once read): both settle
  // the open before the transaction ends.
  it.each([
    ['postgres', false],
    ['pglite', true],
  ] as const)('%s (caller found: %s): a failure after the open settled (COMMIT) reaches onError, not the settled promise', async (kind, withUser) => {
    const commitError = new Error('COMMIT failed');
    const { db, snapshots } = scriptedDatabase(kind, { withUser, commitError });
    const errors: unknown[] = [];
    const opened = await openExport(db, Buffer.alloc(32), (error) => errors.push(error), { deadlineMs: 30_000 });
    expect(opened === undefined).toBe(!withUser);
    await Promise.all(snapshots);
    await settle();
    expect(errors).toEqual([commitError]);
  });

  it('postgres: once the document is sent, the deadline timer is cleared (no timer left holding the stream)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { db, snapshots } = scriptedDatabase('postgres', { withUser: true });
    const errors: unknown[] = [];
    const stream = (await openExport(db, Buffer.alloc(32), (error) => errors.push(error), { deadlineMs: 30_000 }))!;
    expect(vi.getTimerCount()).toBe(1);
    await chunks(stream);
    await Promise.all(snapshots);
    expect(vi.getTimerCount()).toBe(0);
    expect(errors).toEqual([]);
  });
});
