/**
 * `node migrate.js` (in the image: /app/migrate.js): the one-off migration step a deploy
 * runs before the service rolls (the DatabaseMigration construct runs it as an ECS task).
 * It logs in as the schema owner (DB_MIGRATION_USERNAME/PASSWORD, or
 * MIGRATION_DATABASE_URL), creates the runtime role or sets its password from
 * DB_USERNAME/DB_PASSWORD (or DATABASE_URL), creates the pgaudit extension where the
 * server preloads it (db/audit-extension.ts), applies pending migrations under the
 * advisory lock, grants the runtime role DML only, and exits 0. Any failure exits 1 with
 * one JSON log line that says why, which fails the deploy before a task rolls.
 */
import { ConfigError, loadConfig, type DatabaseConfig } from './config';
import { ensureAuditExtension, type AuditExtensionState } from './db/audit-extension';
import { migrate, readMigrations } from './db/migrate';
import { migrateOptions, migrationConnection, runtimeRole } from './db/migration-connection';
import type { MigrationLog } from './db/migration-lock';
import { ensureRuntimeLogin, type RuntimeLogin } from './db/runtime-login';

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

export interface MigrationReport {
  readonly runtimeRole: string;
  readonly runtimeLogin: 'created' | 'updated';
  /** 'not loaded' on a cluster whose pgaudit preload waits for a reboot: the next deploy after it creates the extension. */
  readonly auditExtension: AuditExtensionState;
  readonly applied: number[];
}

/** The runtime role's name and password, from the DB_* fields or the DATABASE_URL. */
function runtimeLogin(config: PostgresConfig): RuntimeLogin {
  const user = runtimeRole(config);
  const password = config.password ?? (config.connectionString ? decodeURIComponent(new URL(config.connectionString).password) : '');
  if (!user || !password) throw new ConfigError('the migration step needs the runtime role\'s user and password (DB_USERNAME and DB_PASSWORD, or both in DATABASE_URL)');
  return { user, password };
}

const logLine = (level: 'info' | 'error', msg: string, fields: object): void => {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
};

/** Everything the step does, on the given environment; throws on any failure. Progress (a wait for the lock) goes to `log`. */
export async function runMigrationStep(env: Record<string, string | undefined>, log: MigrationLog = (fields, msg) => logLine('info', msg, fields)): Promise<MigrationReport> {
  const { database } = loadConfig(env);
  if (database.kind !== 'postgres') throw new ConfigError('the migration step needs a PostgreSQL database (DB_HOST or DATABASE_URL)');
  if (!database.migration) {
    throw new ConfigError('the migration step runs as the schema owner: set DB_MIGRATION_USERNAME and DB_MIGRATION_PASSWORD (or MIGRATION_DATABASE_URL)');
  }
  const login = runtimeLogin(database);
  const target = migrationConnection(database);
  const runtimeLoginResult = await ensureRuntimeLogin(target, login);
  // Before migrating, so the event triggers already name the objects this run's DDL touches.
  const auditExtension = await ensureAuditExtension(target);
  const applied = await migrate(target, readMigrations(), { ...migrateOptions(database), log });
  return { runtimeRole: login.user, runtimeLogin: runtimeLoginResult, auditExtension, applied };
}

if (require.main === module) {
  runMigrationStep(process.env).then(
    (report) => logLine('info', report.applied.length ? 'migrations applied' : 'schema up to date', report),
    (error: Error & { code?: string }) => {
      logLine('error', 'migration step failed', { err: { message: error.message, code: error.code } });
      process.exitCode = 1;
    },
  );
}
