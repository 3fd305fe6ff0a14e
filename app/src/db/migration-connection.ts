/**
 * The connection migrations run on: its own `pg` client, not one of the pool's, because
 * the pool's settings are for requests (a 5 s statement timeout would abort any index
 * build on a grown table), and because it may log in as another role: the one that owns
 * the schema (MIGRATION_DATABASE_URL or DB_MIGRATION_USERNAME/PASSWORD), so the runtime
 * role needs no DDL rights at all.
 */
import type { DatabaseConfig } from '../config';
import { poolConfig, type Session } from './database';
import type { MigrateOptions, MigrationTarget } from './migrate';

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

/** The role the pool logs in as, from DB_USERNAME or the DATABASE_URL. */
export function runtimeRole(config: PostgresConfig): string | undefined {
  if (config.user) return config.user;
  if (!config.connectionString) return undefined;
  const user = new URL(config.connectionString).username;
  return user ? decodeURIComponent(user) : undefined;
}

/** How often the server checks, during a statement, that this client is still there. */
export const CLIENT_CHECK_INTERVAL = '5s';

/**
 * A server session notices its client is gone only when it next reads from it, so a
 * migration task stopped mid-statement (StopTask on a deploy that gave up, see
 * lambda/migration-runner) would leave its DDL running, holding the migration lock, until
 * the statement ends: an index build could keep the rollback's migration waiting for it.
 * With client_connection_check_interval (PostgreSQL 14+) the server checks while the
 * statement runs, cancels it, rolls back and lets go of the lock. On older servers the
 * setting does not exist, and this does nothing.
 */
async function watchForVanishedClient(client: { query(sql: string, params: unknown[]): Promise<unknown> }): Promise<void> {
  await client.query("SELECT set_config(name, $1, false) FROM pg_settings WHERE name = 'client_connection_check_interval'", [CLIENT_CHECK_INTERVAL]);
}

/**
 * No statement or transaction timeout at all, also over a default set on the role or the
 * database (ALTER ROLE ... SET statement_timeout): an index build takes as long as it takes.
 * Set on the session, because pg sends `statement_timeout` at connect only when it is not 0;
 * transaction_timeout exists from PostgreSQL 17 (Aurora's default engine here), and on older
 * servers the query finds no such row.
 */
async function noStatementTimeout(client: { query(sql: string): Promise<unknown> }): Promise<void> {
  await client.query("SELECT set_config(name, '0', false) FROM pg_settings WHERE name IN ('statement_timeout', 'transaction_timeout')");
}

export function migrationConnection(config: PostgresConfig): MigrationTarget {
  return {
    async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
      const { Client } = await import('pg');
      // Not the pool's timeouts: the session clears them itself (noStatementTimeout).
      const { max: _max, idleTimeoutMillis: _idle, query_timeout: _queryTimeout, statement_timeout: _statementTimeout, ...connection } = poolConfig(config);
      const client = new Client({
        ...connection,
        ...config.migration,
        application_name: 'bulwark-migrate',
      });
      // A connection lost mid-migration surfaces as the failed query; this stops the process-level 'error'.
      client.on('error', () => undefined);
      await client.connect();
      try {
        await noStatementTimeout(client);
        await watchForVanishedClient(client);
        const query: Session['query'] = async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params.length ? (params as unknown[]) : undefined)).rows as Row[];
        return await work({ query, exec: async (sql) => void (await client.query(sql)) });
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/** What `migrate` needs from config: grants only when a separate role migrates. */
export function migrateOptions(config: PostgresConfig): MigrateOptions {
  return {
    lockTimeoutMs: config.migrationLockTimeoutMs,
    advisoryLockWaitMs: config.migrationAdvisoryLockWaitMs,
    ...(config.migration && { runtimeRole: runtimeRole(config) }),
  };
}
