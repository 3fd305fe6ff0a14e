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

export function migrationConnection(config: PostgresConfig): MigrationTarget {
  return {
    async withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
      const { Client } = await import('pg');
      const { max: _max, idleTimeoutMillis: _idle, query_timeout: _queryTimeout, ...connection } = poolConfig(config);
      const client = new Client({
        ...connection,
        ...config.migration,
        // 0 = none, also overriding any default set on the role or the database.
        statement_timeout: 0,
        application_name: 'bulwark-migrate',
      });
      // A connection lost mid-migration surfaces as the failed query; this stops the process-level 'error'.
      client.on('error', () => undefined);
      await client.connect();
      try {
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
  return { lockTimeoutMs: config.migrationLockTimeoutMs, ...(config.migration && { runtimeRole: runtimeRole(config) }) };
}
