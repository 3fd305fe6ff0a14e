/**
 * app/src/db/migration-connection.ts: which role the pool runs as (runtimeRole), what
 * `migrate` is told (migrateOptions: a runtime role to grant only when a separate role
 * migrates), and, against a real throwaway PostgreSQL, the migration connection itself:
 * no statement timeout even over a role default, application_name 'bulwark-migrate',
 * client_connection_check_interval 5s, the migration role's login when one is configured,
 * parameterized queries and scripts, and the connection closed after the work, whatever
 * its outcome, without a lost connection crashing the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../app/src/config';
import { freshModuleEachTest } from '../support/fresh-module';
import { droppingServer, postgresBackend, until } from './support';

// Loaded anew in each test (with the database module it builds its errors from, for one
// DatabaseUnavailableError class): CLIENT_CHECK_INTERVAL is a module-level constant.
const modules = freshModuleEachTest(async () => ({
  ...(await import('../../app/src/db/migration-connection')),
  DatabaseUnavailableError: (await import('../../app/src/db/database')).DatabaseUnavailableError,
}));

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

const base = (extra: Partial<PostgresConfig>): PostgresConfig => ({ kind: 'postgres', ssl: { mode: 'disable' }, poolSize: 2, ...extra });

describe('runtimeRole', () => {
  it('is DB_USERNAME when set, even beside a URL naming another user', () => {
    expect(modules().runtimeRole(base({ user: 'app', host: 'db' }))).toBe('app');
    expect(modules().runtimeRole(base({ user: 'app', connectionString: 'postgres://other@db/notes' }))).toBe('app');
  });

  it('is the URL’s user, percent-decoded, without one', () => {
    expect(modules().runtimeRole(base({ connectionString: 'postgres://bulwark_app:secret@db:5432/notes' }))).toBe('bulwark_app');
    expect(modules().runtimeRole(base({ connectionString: 'postgres://app%40corp%20x@db/notes' }))).toBe('app@corp x');
  });

  it('is undefined when neither names a user', () => {
    expect(modules().runtimeRole(base({ connectionString: 'postgres://db:5432/notes' }))).toBeUndefined();
    expect(modules().runtimeRole(base({ host: 'db' }))).toBeUndefined();
    expect(modules().runtimeRole(base({ user: '', host: 'db' }))).toBeUndefined();
  });
});

describe('migrateOptions', () => {
  it('without a migration role: the two waits and no runtime role (the runtime role migrates itself)', () => {
    expect(modules().migrateOptions(base({ user: 'app', host: 'db', migrationLockTimeoutMs: 1_234, migrationAdvisoryLockWaitMs: 5_678 }))).toStrictEqual({
      lockTimeoutMs: 1_234,
      advisoryLockWaitMs: 5_678,
    });
    expect(modules().migrateOptions(base({ user: 'app', host: 'db' }))).toStrictEqual({ lockTimeoutMs: undefined, advisoryLockWaitMs: undefined });
  });

  it('with a migration role: the runtime role to grant, from DB_USERNAME or the URL', () => {
    expect(
      modules().migrateOptions(base({ user: 'app', host: 'db', migration: { user: 'owner', password: 'p' }, migrationLockTimeoutMs: 1, migrationAdvisoryLockWaitMs: 2 })),
    ).toStrictEqual({ lockTimeoutMs: 1, advisoryLockWaitMs: 2, runtimeRole: 'app' });
    expect(
      modules().migrateOptions(base({ connectionString: 'postgres://runtime%2Drole@db/notes', migration: { connectionString: 'postgres://owner@db/notes' } })),
    ).toStrictEqual({ lockTimeoutMs: undefined, advisoryLockWaitMs: undefined, runtimeRole: 'runtime-role' });
  });
});

describe('migrationConnection against PostgreSQL', () => {
  const backend = postgresBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  const urlAs = (user: string) => `postgres://${user}@127.0.0.1:${backend.server!.port}/${backend.server!.database}`;

  /** What the server says about the migration connection's session. */
  const SESSION = `SELECT current_user AS "user", current_setting('statement_timeout') AS "statementTimeout",
    current_setting('application_name') AS "applicationName", current_setting('client_connection_check_interval') AS "checkInterval",
    pg_backend_pid() AS pid`;

  it('runs as the pool’s role with no statement timeout, its own application name and the 5 s client check', async () => {
    expect(modules().CLIENT_CHECK_INTERVAL).toBe('5s');
    const session = await modules().migrationConnection(base({ connectionString: backend.server!.url })).withSession(async ({ query }) => (await query(SESSION))[0]);
    expect(session).toMatchObject({ user: backend.server!.user, statementTimeout: '0', applicationName: 'bulwark-migrate', checkInterval: '5s' });
  });

  it('logs in as the migration role from MIGRATION_DATABASE_URL, overriding a statement timeout set on that role', async () => {
    await backend.query('CREATE ROLE mc_owner_url LOGIN');
    await backend.query("ALTER ROLE mc_owner_url SET statement_timeout = '1s'");
    // Control: the role default applies to any other connection.
    const { Client } = await import('pg');
    const plain = new Client({ connectionString: urlAs('mc_owner_url') });
    await plain.connect();
    const [{ statement_timeout: roleDefault }] = (await plain.query('SHOW statement_timeout')).rows;
    await plain.end();
    expect(roleDefault).toBe('1s');

    const target = modules().migrationConnection(base({ connectionString: urlAs(backend.server!.user), migration: { connectionString: urlAs('mc_owner_url') } }));
    const session = await target.withSession(async ({ query }) => (await query(SESSION))[0]);
    expect(session).toMatchObject({ user: 'mc_owner_url', statementTimeout: '0', applicationName: 'bulwark-migrate', checkInterval: '5s' });
  });

  it('logs in as DB_MIGRATION_USERNAME with discrete connection fields', async () => {
    await backend.query('CREATE ROLE mc_owner_fields LOGIN');
    const server = backend.server!;
    const target = modules().migrationConnection(
      base({ host: '127.0.0.1', port: server.port, user: server.user, password: 'runtime', database: server.database, migration: { user: 'mc_owner_fields', password: 'owner' } }),
    );
    const session = await target.withSession(async ({ query }) => (await query<{ user: string; db: string }>('SELECT current_user AS "user", current_database() AS db'))[0]);
    expect(session).toEqual({ user: 'mc_owner_fields', db: server.database });
  });

  it('runs scripts and parameterized queries on one session, returns the work’s value, and closes the connection after', async () => {
    const target = modules().migrationConnection(base({ connectionString: backend.server!.url }));
    const { pid, rows, all } = await target.withSession(async ({ query, exec }) => {
      await exec('CREATE TEMP TABLE mc_rows (n int); INSERT INTO mc_rows VALUES (1), (2), (3)');
      const [{ pid }] = await query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return {
        pid,
        rows: await query<{ n: number }>('SELECT n FROM mc_rows WHERE n >= $1 ORDER BY n', [2]),
        all: await query<{ count: string }>('SELECT count(*)::text AS count FROM mc_rows'),
      };
    });
    expect(rows).toEqual([{ n: 2 }, { n: 3 }]);
    expect(all).toEqual([{ count: '3' }]);
    await until(async () => (await backend.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0, 'the migration connection to close', 10_000);
  });

  it('a failing work: its error, and the connection closed all the same', async () => {
    const target = modules().migrationConnection(base({ connectionString: backend.server!.url }));
    let pid: number | undefined;
    const failure = new Error('migration failed');
    await expect(
      target.withSession(async ({ query }) => {
        pid = (await query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid;
        throw failure;
      }),
    ).rejects.toBe(failure);
    await until(async () => (await backend.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0, 'the migration connection to close', 10_000);
  });

  it('a connection lost mid-migration surfaces as the failed query, not as a process-level error', async () => {
    const target = modules().migrationConnection(base({ connectionString: backend.server!.url }));
    const error = await target
      .withSession(async ({ query }) => {
        const [{ pid }] = await query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await backend.query('SELECT pg_terminate_backend($1)', [pid]);
        await until(async () => (await backend.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0, 'the backend to end', 10_000);
        return query('SELECT 1');
      })
      .then(
        () => undefined,
        (rejected: unknown) => rejected,
      );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/terminat|not queryable|Connection/i);
  });

  it('a server that drops the connection: the connect error, unwrapped', async () => {
    const server = await droppingServer();
    try {
      const target = modules().migrationConnection(base({ connectionString: `postgres://nobody@127.0.0.1:${server.port}/none` }));
      const error = await target.withSession(async () => 'never').catch((rejected: unknown) => rejected);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(modules().DatabaseUnavailableError);
      expect((error as Error).message).toMatch(/Connection terminated/);
    } finally {
      await server.close();
    }
  });
});
