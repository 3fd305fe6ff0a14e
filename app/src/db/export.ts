/**
 * The GDPR export as a stream: the caller and their notes, read in keyset batches inside
 * one REPEATABLE READ READ ONLY transaction (one snapshot: a note written meanwhile is
 * either in the export or not, never half), and written to the client one note at a
 * time, so the process holds one batch however many notes there are. The stream's
 * backpressure paces the reads; a client that goes away ends the transaction.
 *
 * Two bounds on how long one export holds its connection and snapshot: PostgreSQL ends a
 * transaction left idle (a client that stopped reading), and a total deadline here cuts
 * off a client that keeps reading just fast enough never to be idle. After either, the
 * stream is destroyed (the client sees a truncated body), the transaction rolled back and
 * the connection returned to the pool.
 *
 * Embedded PGlite (development) is one session that every query waits for, so a streamed
 * export would stall the whole app while its client reads: there the document is read in
 * one go and only then streamed. PGlite's data lives in this process's memory already.
 */
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Database, Session } from './database';

/** Notes per query: big enough to amortize a round trip, small enough to hold (≤ 2 MB). */
export const EXPORT_BATCH_SIZE = 200;
/**
 * A client that stops reading leaves the transaction idle, holding its connection and
 * snapshot: past this, PostgreSQL ends the session and the export is cut off.
 */
export const EXPORT_IDLE_TIMEOUT_MS = 60_000;

/** The export ran into its total deadline (EXPORT_DEADLINE_MS) and was cut off. */
export class ExportDeadlineError extends Error {
  readonly code = 'EXPORT_DEADLINE';

  constructor(readonly deadlineMs: number) {
    super(`export cut off at its ${deadlineMs} ms deadline`);
  }
}

interface ExportedUser {
  id: string;
  email: string;
  createdAt: string;
}

const ISO = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;
const iso = (column: string, alias: string): string => `to_char(${column} AT TIME ZONE 'UTC', ${ISO}) AS ${alias}`;

async function* exportDocument(session: Session, user: ExportedUser, batchSize: number): AsyncGenerator<string> {
  yield `{"user":${JSON.stringify(user)},"notes":[`;
  let after = '0';
  let separator = '';
  for (;;) {
    const notes = await session.query<{ seq: string; id: string; title: string; body: string; created_at: string; updated_at: string }>(
      // Qualified: a bare "seq" in ORDER BY would mean the text alias and sort '10' before '9'.
      `SELECT n.seq::text AS seq, n.id, n.title, n.body, ${iso('n.created_at', 'created_at')}, ${iso('n.updated_at', 'updated_at')}
       FROM notes n WHERE n.user_id = $1 AND n.seq > $2::bigint ORDER BY n.seq LIMIT $3`,
      [user.id, after, batchSize],
    );
    for (const note of notes) {
      yield separator + JSON.stringify({ id: note.id, title: note.title, body: note.body, createdAt: note.created_at, updatedAt: note.updated_at });
      separator = ',';
    }
    if (notes.length < batchSize) break;
    after = notes[notes.length - 1].seq;
  }
  yield ']}';
}

export interface ExportSettings {
  /** Longest the export may hold its connection and snapshot, from the moment it opens them. */
  readonly deadlineMs: number;
  /** @default EXPORT_BATCH_SIZE */
  readonly batchSize?: number;
  /** @default EXPORT_IDLE_TIMEOUT_MS */
  readonly idleTimeoutMs?: number;
}

/** The whole document, read before anything is sent (PGlite: see the file comment). */
async function bufferedDocument(session: Session, user: ExportedUser, batchSize: number): Promise<Readable> {
  const parts: string[] = [];
  for await (const part of exportDocument(session, user, batchSize)) parts.push(part);
  return Readable.from(parts, { objectMode: false });
}

/**
 * Opens the caller's export: undefined when the token matches no user (decided before
 * anything is sent), else a stream of the JSON document. `onError` hears about a failure
 * after the response has started (the client then sees a truncated body), including an
 * {@link ExportDeadlineError}.
 */
export function openExport(db: Database, tokenHash: Buffer, onError: (error: unknown) => void, settings: ExportSettings): Promise<Readable | undefined> {
  const { deadlineMs, batchSize = EXPORT_BATCH_SIZE, idleTimeoutMs = EXPORT_IDLE_TIMEOUT_MS } = settings;
  return new Promise((resolve, reject) => {
    let opened = false;
    db.withSnapshot(async (session) => {
      await session.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.trunc(idleTimeoutMs)}`);
      const [user] = await session.query<ExportedUser>(
        `SELECT id, email, ${iso('created_at', '"createdAt"')} FROM users WHERE token_hash = $1`,
        [tokenHash],
      );
      if (!user) {
        opened = true;
        return resolve(undefined);
      }
      if (db.kind === 'pglite') {
        const document = await bufferedDocument(session, user, batchSize);
        opened = true;
        return resolve(document);
      }
      opened = true;
      const stream = Readable.from(exportDocument(session, user, batchSize), { objectMode: false });
      // Destroying the stream ends the generator once its current query is answered, so
      // the transaction below never outlives a query on its connection.
      const deadline = setTimeout(() => stream.destroy(new ExportDeadlineError(deadlineMs)), deadlineMs);
      resolve(stream);
      // Hold the transaction (and its connection) until the document is sent, abandoned or cut off.
      await finished(stream)
        .catch((error: unknown) => {
          if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
        })
        .finally(() => clearTimeout(deadline));
    }).catch((error: unknown) => (opened ? onError(error) : reject(error)));
  });
}
