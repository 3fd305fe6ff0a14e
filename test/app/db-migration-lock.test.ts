/**
 * app/src/db/migration-lock.ts step by step, on a scripted clock: `sleep` (node's timers
 * promise) is replaced by one that only moves the clock, so the polling loop is pinned
 * exactly: one poll a second, the last sleep cut to the time left, a log line when the wait
 * starts and then at most every 30 s, "migration lock taken" only after a wait, and the
 * timeout error's exact text with and without a holder. One test reads a real holder from
 * a throwaway PostgreSQL (lockHolder's query). The real-time behaviour against a server is
 * in migration-lock.test.ts.
 */
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../app/src/db/database';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS, MIGRATION_LOCK_KEY, MigrationLockTimeoutError, takeMigrationLock, type LockHolder } from '../../app/src/db/migration-lock';
import { postgresBackend } from './support';

const clock = vi.hoisted(() => ({ now: 1_000_000, sleeps: [] as number[] }));
vi.mock('node:timers/promises', () => ({
  setTimeout: async (ms: number) => {
    clock.sleeps.push(ms);
    clock.now += ms;
  },
}));

beforeEach(() => {
  clock.now = 1_000_000;
  clock.sleeps = [];
  vi.spyOn(Date, 'now').mockImplementation(() => clock.now);
});
afterEach(() => {
  vi.restoreAllMocks();
});

const HOLDER: LockHolder = { pid: 4242, applicationName: 'bulwark-migrate', user: 'owner', since: '2026-01-02T03:04:05Z' };

/** A session whose lock is granted on poll number `grantedOn` (never when undefined), held by `holder` (null: none visible); `queryMs` is how long each query takes. */
function lockSession(grantedOn: number | undefined, holder: LockHolder | null = HOLDER, queryMs = 0) {
  const statements: Array<{ sql: string; params: readonly unknown[] | undefined }> = [];
  let polls = 0;
  const query = (async (sql: string, params?: readonly unknown[]) => {
    statements.push({ sql, params });
    clock.now += queryMs;
    if (sql.startsWith('SELECT pg_try_advisory_lock')) {
      polls += 1;
      return [{ locked: polls === grantedOn }];
    }
    return holder ? [holder] : [];
  }) as Session['query'];
  return { query, statements, polls: () => polls };
}

function recordingLog() {
  const lines: Array<[Record<string, unknown>, string]> = [];
  return { lines, log: (fields: Record<string, unknown>, message: string) => void lines.push([fields, message]) };
}

describe('MigrationLockTimeoutError', () => {
  it('names the lock key, the wait, the holder and how to end it', () => {
    const error = new MigrationLockTimeoutError(1_234, HOLDER);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MigrationLockTimeoutError');
    expect(error.waitedMs).toBe(1_234);
    expect(error.holder).toBe(HOLDER);
    expect(error.message).toBe(
      `gave up waiting for the migration lock (pg_advisory_lock key ${MIGRATION_LOCK_KEY}) after 1234 ms (MIGRATION_ADVISORY_LOCK_WAIT_MS): ` +
        'held by pid 4242 (bulwark-migrate, user owner, connected since 2026-01-02T03:04:05Z); ' +
        'if that session is a migration task that no longer runs, end it with SELECT pg_terminate_backend(4242)',
    );
  });

  it('says what it does not know about a holder of another role', () => {
    const error = new MigrationLockTimeoutError(5, { pid: 7, applicationName: '', user: null, since: null });
    expect(error.message).toContain('held by pid 7 (no application name, user unknown, connected since unknown); ');
    expect(new MigrationLockTimeoutError(5, { pid: 7, applicationName: null, user: null, since: null }).message).toContain('(no application name, user unknown');
  });

  it('without a holder: it let go just now, run again', () => {
    const error = new MigrationLockTimeoutError(600_000, undefined);
    expect(error.holder).toBeUndefined();
    expect(error.message).toBe(
      `gave up waiting for the migration lock (pg_advisory_lock key ${MIGRATION_LOCK_KEY}) after 600000 ms (MIGRATION_ADVISORY_LOCK_WAIT_MS): its holder let go just now: run the step again`,
    );
  });
});

describe('takeMigrationLock', () => {
  it('uses the shared key 0x62756c77 ("bulw") and a 10-minute default wait', () => {
    expect(MIGRATION_LOCK_KEY).toBe(0x6275_6c77);
    expect(DEFAULT_ADVISORY_LOCK_WAIT_MS).toBe(600_000);
  });

  it('a free lock: one try, no holder lookup, no sleep and no log line', async () => {
    const session = lockSession(1);
    const { lines, log } = recordingLog();
    await takeMigrationLock(session.query, { log });
    expect(session.statements).toEqual([{ sql: 'SELECT pg_try_advisory_lock($1) AS locked', params: [MIGRATION_LOCK_KEY] }]);
    expect(clock.sleeps).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('polls once a second, looking up the holder each time, and logs the start of the wait and the moment it took the lock', async () => {
    const session = lockSession(4, HOLDER);
    const { lines, log } = recordingLog();
    await takeMigrationLock(session.query, { log, maxWaitMs: 60_000 });
    expect(session.polls()).toBe(4);
    expect(clock.sleeps).toEqual([1_000, 1_000, 1_000]);
    const holderLookups = session.statements.filter((s) => !s.sql.startsWith('SELECT pg_try_advisory_lock'));
    expect(holderLookups).toHaveLength(3);
    expect(holderLookups[0].params).toEqual([MIGRATION_LOCK_KEY]);
    expect(lines).toEqual([
      [{ waitedMs: 0, maxWaitMs: 60_000, holder: HOLDER }, 'waiting for the migration lock'],
      [{ waitedMs: 3_000 }, 'migration lock taken'],
    ]);
  });

  it('logs the wait when it starts and then every 30 s, not at each poll', async () => {
    const session = lockSession(76);
    const { lines, log } = recordingLog();
    await takeMigrationLock(session.query, { log, maxWaitMs: 100_000 });
    expect(lines.map(([fields, message]) => [fields.waitedMs, message])).toEqual([
      [0, 'waiting for the migration lock'],
      [30_000, 'waiting for the migration lock'],
      [60_000, 'waiting for the migration lock'],
      [75_000, 'migration lock taken'],
    ]);
  });

  it('the 30 s are counted from the last line, whatever the poll rhythm', async () => {
    // Each query takes 700 ms: polls at 0, 2 400, 4 800 … ms.
    const session = lockSession(undefined, HOLDER, 700);
    const { lines, log } = recordingLog();
    await expect(takeMigrationLock(session.query, { log, maxWaitMs: 40_000 })).rejects.toBeInstanceOf(MigrationLockTimeoutError);
    const logged = lines.map(([fields]) => fields.waitedMs as number);
    expect(logged[0]).toBe(700);
    expect(logged).toHaveLength(2);
    expect(logged[1] - logged[0]).toBeGreaterThanOrEqual(30_000);
    expect(logged[1] - logged[0]).toBeLessThan(30_000 + 2_400);
  });

  it('gives up once the wait reaches the limit, the last sleep cut to what is left, naming the holder', async () => {
    const session = lockSession(undefined, HOLDER);
    const { lines, log } = recordingLog();
    const error = await takeMigrationLock(session.query, { log, maxWaitMs: 2_500 }).catch((rejected: unknown) => rejected);
    expect(error).toBeInstanceOf(MigrationLockTimeoutError);
    expect(error).toMatchObject({ waitedMs: 2_500, holder: HOLDER });
    expect(clock.sleeps).toEqual([1_000, 1_000, 500]);
    expect(session.polls()).toBe(4);
    expect(lines).toEqual([[{ waitedMs: 0, maxWaitMs: 2_500, holder: HOLDER }, 'waiting for the migration lock']]);
  });

  it('a lock granted on the poll at the limit is taken, not refused', async () => {
    const session = lockSession(3, HOLDER);
    await takeMigrationLock(session.query, { maxWaitMs: 2_000 });
    expect(session.polls()).toBe(3);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('maxWaitMs 0: one try, then the error, without sleeping; a holder gone meanwhile is reported as such', async () => {
    const session = lockSession(undefined, null);
    const error = await takeMigrationLock(session.query, { maxWaitMs: 0 }).catch((rejected: unknown) => rejected);
    expect(error).toMatchObject({ waitedMs: 0, holder: undefined });
    expect((error as Error).message).toMatch(/its holder let go just now: run the step again$/);
    expect(clock.sleeps).toEqual([]);
  });

  it('defaults to waiting 10 minutes, and works without a log', async () => {
    const session = lockSession(undefined);
    const error = await takeMigrationLock(session.query).catch((rejected: unknown) => rejected);
    expect(error).toMatchObject({ waitedMs: DEFAULT_ADVISORY_LOCK_WAIT_MS });
    expect(clock.sleeps).toHaveLength(600);
    expect(clock.sleeps.every((ms) => ms === 1_000)).toBe(true);
  });
});

describe('the holder, read from PostgreSQL', () => {
  const backend = postgresBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  it('is the session holding the key, with its application name, user and connection time in UTC', async () => {
    const holder = new Client({ connectionString: backend.server!.url, application_name: 'another-task' });
    await holder.connect();
    const waiter = new Client({ connectionString: backend.server!.url });
    await waiter.connect();
    const other = new Client({ connectionString: backend.server!.url, application_name: 'unrelated' });
    await other.connect();
    try {
      // A lock on another key, and on the key's two halves as a two-int lock, must not count as the holder.
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      await other.query('SELECT pg_advisory_lock(0, $1)', [MIGRATION_LOCK_KEY]);
      await other.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY + 1]);
      const [{ pid }] = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
      const query: Session['query'] = async <Row>(sql: string, params?: readonly unknown[]) => (await waiter.query(sql, params as unknown[])).rows as Row[];

      const error = await takeMigrationLock(query, { maxWaitMs: 0 }).catch((rejected: unknown) => rejected);
      expect(error).toBeInstanceOf(MigrationLockTimeoutError);
      const found = (error as MigrationLockTimeoutError).holder!;
      expect(found).toEqual({ pid, applicationName: 'another-task', user: backend.server!.user, since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
      const [{ since }] = await backend.query<{ since: string }>(
        `SELECT to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since FROM pg_stat_activity WHERE pid = $1`,
        [pid],
      );
      expect(found.since).toBe(since);

      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await takeMigrationLock(query, { maxWaitMs: 0 });
      const [{ mine }] = (await waiter.query<{ mine: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid() AND objid = $1) AS mine",
        [MIGRATION_LOCK_KEY],
      )).rows;
      expect(mine).toBe(true);
    } finally {
      await holder.end();
      await waiter.end();
      await other.end();
    }
  });
});
