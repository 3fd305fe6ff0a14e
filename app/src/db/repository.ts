/**
 * All SQL the app runs, parameterized. Every authenticated operation resolves the caller
 * from the token hash inside the same statement (`WITH caller AS ...`), so it costs one
 * round trip; the result tells "no such caller" (401) from "no such note" (404).
 */
import type { Database } from './database';

export interface User {
  id: string;
  email: string;
  createdAt: string;
}

export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** A note plus its position for keyset pagination. */
export interface PositionedNote extends Note {
  seq: string;
}

/** `caller: false` → the token matches no user. */
export type CallerResult<T> = { caller: false } | { caller: true; value: T };

export class EmailTakenError extends Error {
  constructor() {
    super('email already registered');
  }
}

interface NoteRow {
  id: string;
  seq?: string;
  title: string;
  body: string;
  /** ISO-8601 UTC text (see NOTE_TIMESTAMPS). */
  created_at: string;
  updated_at: string;
}

/**
 * A timestamp as the API's ISO-8601 UTC text, made by PostgreSQL: cheaper than parsing
 * it into a Date in the driver and formatting it again for every row served.
 */
const isoText = (column: string, alias: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${alias}`;
const NOTE_TIMESTAMPS = `${isoText('n.created_at', 'created_at')}, ${isoText('n.updated_at', 'updated_at')}`;
const NOTE_COLUMNS = `n.id, n.seq::text AS seq, n.title, n.body, ${NOTE_TIMESTAMPS}`;
const CALLER = 'WITH caller AS (SELECT id FROM users WHERE token_hash = $1)';

const iso = (value: Date): string => value.toISOString();

function toNote(row: NoteRow): Note {
  return { id: row.id, title: row.title, body: row.body, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** Rows from `caller LEFT JOIN something`: none → no caller; a row whose id is null → caller, nothing found. */
function noteForCaller(rows: Array<NoteRow & { caller_id: string }>): CallerResult<Note | undefined> {
  if (rows.length === 0) return { caller: false };
  return { caller: true, value: rows[0].id ? toNote(rows[0]) : undefined };
}

export class Repository {
  constructor(private readonly db: Database) {}

  async createUser(email: string, tokenHash: Buffer): Promise<User> {
    try {
      const [row] = await this.db.query<{ id: string; email: string; created_at: Date }>(
        'INSERT INTO users (email, token_hash) VALUES ($1, $2) RETURNING id, email, created_at',
        [email, tokenHash],
      );
      return { id: row.id, email: row.email, createdAt: iso(row.created_at) };
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new EmailTakenError();
      throw error;
    }
  }

  /**
   * `caller: false` → no caller; value undefined → the caller already keeps `maxNotes`.
   * The count is raised (under the cap) and the note inserted in one statement; the
   * UPDATE's row lock makes concurrent creates by one user wait for each other, and it
   * re-checks the cap against the committed count once it has the lock.
   */
  async createNote(tokenHash: Buffer, title: string, body: string, maxNotes: number): Promise<CallerResult<Note | undefined>> {
    const [row] = await this.db.query<NoteRow & { caller_id: string | null }>(
      `${CALLER}, counted AS (
         UPDATE users SET note_count = note_count + 1
         WHERE id = (SELECT id FROM caller) AND note_count < $4
         RETURNING id
       ), inserted AS (
         INSERT INTO notes (user_id, title, body) SELECT id, $2, $3 FROM counted
         RETURNING id, title, body, created_at, updated_at
       )
       SELECT c.id AS caller_id, n.id, n.title, n.body, ${NOTE_TIMESTAMPS}
       FROM caller c LEFT JOIN inserted n ON true`,
      [tokenHash, title, body, maxNotes],
    );
    if (!row) return { caller: false };
    if (row.id) return { caller: true, value: toNote(row) };
    // Nothing inserted: the cap, or the account was erased while this statement waited
    // for its row (the statement's snapshot still saw the caller). Ask again.
    const [still] = await this.db.query('SELECT 1 FROM users WHERE token_hash = $1', [tokenHash]);
    return still ? { caller: true, value: undefined } : { caller: false };
  }

  async getNote(tokenHash: Buffer, id: string): Promise<CallerResult<Note | undefined>> {
    return noteForCaller(
      await this.db.query(
        `${CALLER}
         SELECT c.id AS caller_id, ${NOTE_COLUMNS}
         FROM caller c LEFT JOIN notes n ON n.id = $2 AND n.user_id = c.id`,
        [tokenHash, id],
      ),
    );
  }

  /**
   * Newest first; `before` is the position of the last note of the previous page. Also
   * the caller's id, which a cursor must have been issued to.
   */
  async listNotes(tokenHash: Buffer, limit: number, before?: string): Promise<CallerResult<{ callerId: string; notes: PositionedNote[] }>> {
    const rows = await this.db.query<NoteRow & { caller_id: string }>(
      `${CALLER}
       SELECT c.id AS caller_id, ${NOTE_COLUMNS}
       FROM caller c LEFT JOIN LATERAL (
         SELECT * FROM notes
         WHERE user_id = c.id AND ($2::bigint IS NULL OR seq < $2::bigint)
         ORDER BY seq DESC LIMIT $3
       ) n ON true`,
      [tokenHash, before ?? null, limit],
    );
    if (rows.length === 0) return { caller: false };
    const notes = rows.filter((row) => row.id).map((row) => ({ ...toNote(row), seq: row.seq! }));
    return { caller: true, value: { callerId: rows[0].caller_id, notes } };
  }

  async updateNote(tokenHash: Buffer, id: string, patch: { title?: string; body?: string }): Promise<CallerResult<Note | undefined>> {
    return noteForCaller(
      await this.db.query(
        `${CALLER}, updated AS (
           UPDATE notes SET title = COALESCE($3, title), body = COALESCE($4, body), updated_at = now()
           WHERE id = $2 AND user_id = (SELECT id FROM caller)
           RETURNING *
         )
         SELECT c.id AS caller_id, ${NOTE_COLUMNS} FROM caller c LEFT JOIN updated n ON true`,
        [tokenHash, id, patch.title ?? null, patch.body ?? null],
      ),
    );
  }

  /** value: whether a note was deleted. */
  async deleteNote(tokenHash: Buffer, id: string): Promise<CallerResult<boolean>> {
    // GREATEST: notes created by a task older than migration 003 were not counted.
    const rows = await this.db.query<{ caller_id: string; id: string | null }>(
      `${CALLER}, deleted AS (
         DELETE FROM notes WHERE id = $2 AND user_id = (SELECT id FROM caller) RETURNING id, user_id
       ), uncounted AS (
         UPDATE users SET note_count = GREATEST(note_count - 1, 0) WHERE id IN (SELECT user_id FROM deleted)
       )
       SELECT c.id AS caller_id, d.id FROM caller c LEFT JOIN deleted d ON true`,
      [tokenHash, id],
    );
    if (rows.length === 0) return { caller: false };
    return { caller: true, value: rows[0].id !== null };
  }

  /**
   * Replaces the caller's token hash in one statement: from its commit on, only the new
   * token works; of two concurrent rotations with the same token, one wins and the other
   * finds no caller. false when there is no caller.
   */
  async rotateToken(tokenHash: Buffer, newTokenHash: Buffer): Promise<boolean> {
    const rows = await this.db.query('UPDATE users SET token_hash = $2 WHERE token_hash = $1 RETURNING id', [tokenHash, newTokenHash]);
    return rows.length > 0;
  }

  /** Deletes the token's user (notes cascade); the erased user's id, or undefined when no user has the token. */
  async eraseUser(tokenHash: Buffer): Promise<string | undefined> {
    const [row] = await this.db.query<{ id: string }>('DELETE FROM users WHERE token_hash = $1 RETURNING id', [tokenHash]);
    return row?.id;
  }

  /** The id of the user holding this token hash, or undefined (auth: the key of per-user limits). */
  async userId(tokenHash: Buffer): Promise<string | undefined> {
    const [row] = await this.db.query<{ id: string }>('SELECT id FROM users WHERE token_hash = $1', [tokenHash]);
    return row?.id;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }
}
