/**
 * Issue 11 item 3, the migration advisory lock against real PostgreSQL: a second session
 * holding it makes a migration pass wait, logged and bounded, then fail naming the lock and
 * its holder; and a migration task stopped mid-statement (as the deploy's runner stops one
 * it gave up on) lets go of the lock within seconds, not when its statement would end.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type DatabaseConfig } from '../../app/src/config';
import { migrate, type Migration } from '../../app/src/db/migrate';
import { migrationConnection } from '../../app/src/db/migration-connection';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS, MIGRATION_LOCK_KEY, MigrationLockTimeoutError } from '../../app/src/db/migration-lock';
import { runMigrationStep } from '../../app/src/migrate-cli';
import { postgresBackend, until } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

const ONE_TABLE: Migration[] = [{ version: 1, name: 'one', sql: 'CREATE TABLE one (id int)' }];
const url = (): string => backend.server!.url;
const target = () => migrationConnection({ kind: 'postgres', connectionString: url(), ssl: { mode: 'disable' }, poolSize: 1 } as Extract<DatabaseConfig, { kind: 'postgres' }>);

/** Another session holding the migration lock, as a second migration task would. */
let holder: Client | undefined;
async function holdLock(): Promise<number> {
  holder = new Client({ connectionString: url(), application_name: 'other-migration-task' });
  await holder.connect();
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  return (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
}
afterEach(async () => {
  await holder?.end();
  holder = undefined;
  await backend.query('DROP TABLE IF EXISTS one, schema_migrations');
});

const lockHolders = async (): Promise<number> =>
  (await backend.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1", [MIGRATION_LOCK_KEY]))[0].n;

describe('waiting for the migration lock', () => {
  it('waits, logging the holder, and fails past the limit naming the lock, the wait and the holder; nothing is applied', async () => {
    const holderPid = await holdLock();
    const logs: Array<[Record<string, unknown>, string]> = [];
    const failure = migrate(target(), ONE_TABLE, { advisoryLockWaitMs: 1_500, log: (fields, message) => logs.push([fields, message]) });
    await expect(failure).rejects.toBeInstanceOf(MigrationLockTimeoutError);
    await expect(failure).rejects.toThrow(
      new RegExp(`^gave up waiting for the migration lock \\(pg_advisory_lock key ${MIGRATION_LOCK_KEY}\\) after \\d+ ms \\(MIGRATION_ADVISORY_LOCK_WAIT_MS\\): held by pid ${holderPid} \\(other-migration-task, user \\w+, connected since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\); if that session is a migration task that no longer runs, end it with SELECT pg_terminate_backend\\(${holderPid}\\)$`),
    );
    expect(((await failure.catch((error: unknown) => error)) as MigrationLockTimeoutError).waitedMs).toBeGreaterThanOrEqual(1_500);
    expect(logs).toEqual([[{ waitedMs: expect.any(Number), maxWaitMs: 1_500, holder: expect.objectContaining({ pid: holderPid, applicationName: 'other-migration-task' }) }, 'waiting for the migration lock']]);
    expect(await backend.query("SELECT to_regclass('schema_migrations') AS t")).toEqual([{ t: null }]);
  });

  it('takes the lock once the holder lets go, and migrates', async () => {
    await holdLock();
    const logs: string[] = [];
    const applied = migrate(target(), ONE_TABLE, {
      advisoryLockWaitMs: 60_000,
      log: (_fields, message) => {
        logs.push(message);
        if (message === 'waiting for the migration lock') void holder!.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      },
    });
    expect(await applied).toEqual([1]);
    expect(logs).toEqual(['waiting for the migration lock', 'migration lock taken']);
  });

  it('is configured by MIGRATION_ADVISORY_LOCK_WAIT_MS in the migration step', async () => {
    await holdLock();
    const runtimeUrl = new URL(url());
    Object.assign(runtimeUrl, { username: 'runtime_role', password: 'runtime-pass' });
    const env = {
      DATABASE_URL: runtimeUrl.toString(),
      MIGRATION_DATABASE_URL: url(),
      DB_SSL: 'disable',
      MIGRATION_ADVISORY_LOCK_WAIT_MS: '1000',
    };
    const lines: string[] = [];
    await expect(runMigrationStep(env, (_fields, message) => lines.push(message))).rejects.toThrow(/^gave up waiting for the migration lock .* after \d+ ms/);
    expect(lines).toEqual(['waiting for the migration lock']);
    await backend.query('DROP ROLE IF EXISTS runtime_role');
  });

  it('defaults to 10 minutes and refuses a wait outside 1 s .. 55 min, naming the variable', () => {
    const base = { DATABASE_URL: 'postgres://app@127.0.0.1/app', DB_SSL: 'disable' };
    expect(loadConfig(base).database).toMatchObject({ migrationAdvisoryLockWaitMs: DEFAULT_ADVISORY_LOCK_WAIT_MS });
    expect(DEFAULT_ADVISORY_LOCK_WAIT_MS).toBe(600_000);
    expect(loadConfig({ ...base, MIGRATION_ADVISORY_LOCK_WAIT_MS: '90000' }).database).toMatchObject({ migrationAdvisoryLockWaitMs: 90_000 });
    for (const bad of ['999', '3300001', 'ten minutes']) {
      expect(() => loadConfig({ ...base, MIGRATION_ADVISORY_LOCK_WAIT_MS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, MIGRATION_ADVISORY_LOCK_WAIT_MS: bad })).toThrow(/^MIGRATION_ADVISORY_LOCK_WAIT_MS must be/);
    }
  });
});

describe('a migration task stopped mid-statement', () => {
  it('lets go of the lock within seconds (the server notices its client is gone), so the next migration proceeds', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'slow-migration.ts')], {
      env: { PATH: process.env.PATH, DATABASE_URL: url() },
      stdio: 'ignore',
    });
    try {
      await until(
        async () => (await backend.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'bulwark-migrate' AND query LIKE '%pg_sleep(600)%'")).length === 1,
        'the slow migration to hold the lock and run its statement',
      );
      expect(await lockHolders()).toBe(1);
      child.kill('SIGTERM');
      // Without the client check the statement, and the lock, would last ten minutes.
      await until(async () => (await lockHolders()) === 0, 'the stopped migration\'s session to let go of the lock', 30_000);
    } finally {
      child.kill('SIGKILL');
    }
    expect(await migrate(target(), ONE_TABLE, { advisoryLockWaitMs: 1_000 })).toEqual([1]);
  });
});
