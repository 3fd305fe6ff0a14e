/**
 * Versioned SQL migrations (`NNN.do.name.sql` in app/migrations), applied in order at
 * start. A session-level advisory lock makes 50 tasks starting at once safe: one applies,
 * the others wait on the lock and then find nothing left to do. The wait is bounded and
 * logged (migration-lock.ts): a holder that never lets go fails the step with a message
 * that names the lock and its holder, instead of hanging a deploy or its rollback. Each
 * migration is one transaction with an explicit lock timeout and no statement timeout.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from './database';
import { MIGRATION_LOCK_KEY, takeMigrationLock, type MigrationLog } from './migration-lock';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATION_FILE = /^(\d+)\.do\.([\w-]+)\.sql$/;

/** Source tree (app/src/db → app/migrations) or bundle (dist/server.js → dist/migrations). */
export function defaultMigrationsDir(): string {
  const candidates = [join(__dirname, 'migrations'), join(__dirname, '..', '..', 'migrations')];
  const found = candidates.find((dir) => existsSync(dir));
  if (!found) throw new Error(`migrations directory not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function readMigrations(dir: string = defaultMigrationsDir()): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((entry): entry is { file: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ file, match }) => ({ version: Number(match[1]), name: match[2], sql: readFileSync(join(dir, file), 'utf8') }))
    .sort((a, b) => a.version - b.version);
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length) throw new Error(`duplicate migration version in ${dir}`);
  return migrations;
}

export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10_000;

/** Where migrations run: a `Database`, or a dedicated migration connection (migration-connection.ts). */
export interface MigrationTarget {
  withSession<T>(work: (session: Session) => Promise<T>): Promise<T>;
}

export interface MigrateOptions {
  /** The pool's role, granted DML on the app's tables when it is not the role migrating. @default - no grants */
  readonly runtimeRole?: string;
  /** Longest one migration's DDL waits for a table lock. @default 10 000 ms */
  readonly lockTimeoutMs?: number;
  /** Longest the step waits for the migration advisory lock. @default DEFAULT_ADVISORY_LOCK_WAIT_MS (10 minutes) */
  readonly advisoryLockWaitMs?: number;
  /** Where waiting for the advisory lock is reported. @default - not reported */
  readonly log?: MigrationLog;
}

export const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const missingRuntimeRole = (role: string): Error => new Error(`the runtime role "${role}" does not exist: create it before migrating (see runtime-login.ts)`);

/**
 * The runtime role gets exactly what the routes need: DML on the app's tables, USAGE on
 * their sequences, and SELECT (only) on the migration bookkeeping, so a task can tell
 * whether the schema is new enough for it (see `schemaVersion`). Nothing that changes the
 * schema. Re-run after every migration pass, so a table a new migration adds is covered,
 * then checked: a grant the role holds from elsewhere fails the step instead of living on.
 */
async function grantRuntimeRole(query: Session['query'], role: string): Promise<void> {
  const [{ current_user: migrator, schema }] = await query<{ current_user: string; schema: string }>('SELECT current_user, current_schema() AS schema');
  if (role === migrator) return;
  // Read before the grants, which would otherwise fail first with the server's bare "role does
  // not exist"; none of these rights is one the grants below could give.
  const rights = await roleRightsBeyondDml(query, role, migrator);
  const grantee = quoteIdentifier(role);
  const quotedSchema = quoteIdentifier(schema);
  await revokePublicCreate(query, schema);
  await query(`GRANT USAGE ON SCHEMA ${quotedSchema} TO ${grantee}`);
  await query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${quotedSchema} TO ${grantee}`);
  await query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${quotedSchema} TO ${grantee}`);
  await query(`REVOKE ALL ON schema_migrations FROM ${grantee}`);
  await query(`GRANT SELECT ON schema_migrations TO ${grantee}`);
  await assertDmlOnly(query, role, rights);
}

/**
 * PostgreSQL before 15 let every role (PUBLIC) create objects in the `public` schema, and a
 * cluster restored or upgraded from such a version keeps that grant: the runtime role could
 * then create tables beside the app's. Revoked explicitly, in `public` and the app's schema;
 * a no-op where it was never granted.
 */
async function revokePublicCreate(query: Session['query'], schema: string): Promise<void> {
  const schemas = await query<{ name: string }>("SELECT nspname AS name FROM pg_namespace WHERE nspname IN ('public', $1)", [schema]);
  for (const { name } of schemas) await query(`REVOKE CREATE ON SCHEMA ${quoteIdentifier(name)} FROM PUBLIC`);
}

/**
 * The rights beyond DML that `role` holds as attributes, as a member of the owner, or as
 * CREATE on the database (new schemas), each named; fails when the role does not exist.
 */
async function roleRightsBeyondDml(query: Session['query'], role: string, owner: string): Promise<string[]> {
  const [rights] = await query<Record<string, boolean>>(
    `SELECT r.rolsuper AS superuser, r.rolcreatedb AS createdb, r.rolcreaterole AS createrole, r.rolreplication AS replication,
            r.rolbypassrls AS bypassrls, pg_has_role($1, $2, 'USAGE') AS "member of the owner",
            has_database_privilege($1, current_database(), 'CREATE') AS "CREATE on the database"
       FROM pg_roles r WHERE r.rolname = $1`,
    [role, owner],
  );
  if (!rights) throw missingRuntimeRole(role);
  return Object.entries(rights).filter(([, held]) => held).map(([right]) => right);
}

/**
 * Fails, naming each, when `role` holds any right beyond DML: the `rights` read before the
 * grants, or CREATE in any schema of the database (its own grants, a group's or PUBLIC's),
 * read after them.
 */
async function assertDmlOnly(query: Session['query'], role: string, rights: readonly string[]): Promise<void> {
  const creatable = await query<{ name: string }>(
    "SELECT nspname AS name FROM pg_namespace WHERE has_schema_privilege($1, oid, 'CREATE') ORDER BY nspname",
    [role],
  );
  const excess = [...rights, ...creatable.map(({ name }) => `CREATE on schema ${name}`)];
  if (excess.length) throw new Error(`the runtime role "${role}" must hold DML only, but has: ${excess.join(', ')}`);
}

/** The newest migration applied, as the runtime role sees it; 0 before the first. */
export async function schemaVersion(query: Session['query']): Promise<number> {
  const [{ version }] = await query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
  return version ?? 0;
}

/** Applies pending migrations; returns the versions this call applied. */
export async function migrate(target: MigrationTarget, migrations: readonly Migration[] = readMigrations(), options: MigrateOptions = {}): Promise<number[]> {
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  return target.withSession(async ({ query, exec }) => {
    // Waiting for another task's migrations is normal (50 tasks start together), but not for ever.
    await takeMigrationLock(query, { maxWaitMs: options.advisoryLockWaitMs, log: options.log });
    try {
      await query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        await query('BEGIN');
        try {
          // DDL queues every later query on its table while it waits for a lock: give up
          // early (the start-up loop retries) rather than stall live traffic. No statement
          // timeout: an index build on a big table takes as long as it takes.
          await query(`SET LOCAL lock_timeout = ${Math.trunc(lockTimeoutMs)}`);
          await exec(migration.sql);
          await query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await query('COMMIT');
        } catch (error) {
          await query('ROLLBACK').catch(() => undefined);
          throw error;
        }
        applied.push(migration.version);
      }
      if (options.runtimeRole) await grantRuntimeRole(query, options.runtimeRole);
      return applied;
    } finally {
      await query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
