/**
 * The GDPR export as a stream: the caller and their notes, read in keyset batches inside
 * one REPEATABLE READ READ ONLY transaction (one snapshot: a note written meanwhile is
 * either in the export or not, never half), and written to the client one note at a
 * time, so the process holds one batch however many notes there are. The stream's
 * backpressure paces the reads; a client that goes away ends the transaction.
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

/**
 * Opens the caller's export: undefined when the token matches no user (decided before
 * anything is sent), else a stream of the JSON document. `onError` hears about a failure
 * after the response has started (the client then sees a truncated body).
 */
export interface ExportSettings {
  /** @default EXPORT_BATCH_SIZE */
  readonly batchSize?: number;
  /** @default EXPORT_IDLE_TIMEOUT_MS */
  readonly idleTimeoutMs?: number;
}

export function openExport(db: Database, tokenHash: Buffer, onError: (error: unknown) => void, settings: ExportSettings = {}): Promise<Readable | undefined> {
  const { batchSize = EXPORT_BATCH_SIZE, idleTimeoutMs = EXPORT_IDLE_TIMEOUT_MS } = settings;
  return new Promise((resolve, reject) => {
    let opened = false;
    db.withSnapshot(async (session) => {
      await session.query(`SET LOCAL idle_in_transaction_session_timeout = ${Math.trunc(idleTimeoutMs)}`);
      const [user] = await session.query<ExportedUser>(
        `SELECT id, email, ${iso('created_at', '"createdAt"')} FROM users WHERE token_hash = $1`,
        [tokenHash],
      );
      opened = true;
      if (!user) return resolve(undefined);
      const stream = Readable.from(exportDocument(session, user, batchSize), { objectMode: false });
      resolve(stream);
      // Hold the transaction (and its connection) until the document is sent or abandoned.
      await finished(stream).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
      });
    }).catch((error: unknown) => (opened ? onError(error) : reject(error)));
  });
}
