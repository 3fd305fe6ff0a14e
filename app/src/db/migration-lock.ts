/**
 * The migration advisory lock, taken with `pg_try_advisory_lock` in a bounded loop rather
 * than a `pg_advisory_lock` that waits for ever. Waiting is normal (50 tasks start together,
 * or a deploy's migration task overlaps a rollback's), but a holder that never lets go, such
 * as a session whose client vanished, must fail the step with a message that names the lock
 * and its holder: a migration task blocked for ever keeps a deploy (or its rollback) waiting
 * until CloudFormation gives up, and the rollback then fails too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Session } from './database';

/** Arbitrary constant shared by every task: "bulwark migrations". */
export const MIGRATION_LOCK_KEY = 0x6275_6c77;

/**
 * Longest wait for the lock unless configured (MIGRATION_ADVISORY_LOCK_WAIT_MS): 10 minutes,
 * a third of the deploy's 30-minute migration timeout, so the step fails with this message
 * before the deploy gives up on it.
 */
export const DEFAULT_ADVISORY_LOCK_WAIT_MS = 600_000;
const POLL_MS = 1_000;
/** A wait is logged when it starts, then at most this often. */
const LOG_EVERY_MS = 30_000;

export type MigrationLog = (fields: Record<string, unknown>, message: string) => void;

export interface LockWaitOptions {
  /** @default DEFAULT_ADVISORY_LOCK_WAIT_MS */
  readonly maxWaitMs?: number;
  /** @default - not reported */
  readonly log?: MigrationLog;
}

/** Who holds the lock, as far as this role may see (another role's session shows its pid only). */
export interface LockHolder {
  readonly pid: number;
  readonly applicationName: string | null;
  readonly user: string | null;
  readonly since: string | null;
}

export class MigrationLockTimeoutError extends Error {
  constructor(readonly waitedMs: number, readonly holder: LockHolder | undefined) {
    const heldBy = holder
      ? `held by pid ${holder.pid} (${holder.applicationName || 'no application name'}, user ${holder.user ?? 'unknown'}, connected since ${holder.since ?? 'unknown'}); if that session is a migration task that no longer runs, end it with SELECT pg_terminate_backend(${holder.pid})`
      : 'its holder let go just now: run the step again';
    super(`gave up waiting for the migration lock (pg_advisory_lock key ${MIGRATION_LOCK_KEY}) after ${waitedMs} ms (MIGRATION_ADVISORY_LOCK_WAIT_MS): ${heldBy}`);
    this.name = 'MigrationLockTimeoutError';
  }
}

async function lockHolder(query: Session['query']): Promise<LockHolder | undefined> {
  const [holder] = await query<LockHolder>(
    `SELECT l.pid, a.application_name AS "applicationName", a.usename AS "user", to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1`,
    [MIGRATION_LOCK_KEY],
  );
  return holder;
}

/** Takes the lock on this session, waiting at most `maxWaitMs`; throws MigrationLockTimeoutError past it. */
export async function takeMigrationLock(query: Session['query'], options: LockWaitOptions = {}): Promise<void> {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_ADVISORY_LOCK_WAIT_MS;
  const started = Date.now();
  let loggedAt: number | undefined;
  // Bounded by maxWaitMs: every pass sleeps, and the pass past the limit throws.
  for (;;) {
    const [{ locked }] = await query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [MIGRATION_LOCK_KEY]);
    const waitedMs = Date.now() - started;
    if (locked) {
      if (loggedAt !== undefined) options.log?.({ waitedMs }, 'migration lock taken');
      return;
    }
    const holder = await lockHolder(query);
    if (waitedMs >= maxWaitMs) throw new MigrationLockTimeoutError(waitedMs, holder);
    if (loggedAt === undefined || waitedMs - loggedAt >= LOG_EVERY_MS) {
      loggedAt = waitedMs;
      options.log?.({ waitedMs, maxWaitMs, holder }, 'waiting for the migration lock');
    }
    await sleep(Math.min(POLL_MS, maxWaitMs - waitedMs));
  }
}
