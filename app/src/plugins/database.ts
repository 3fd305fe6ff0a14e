/**
 * Opens the database (pg pool or PGlite) and applies migrations under the advisory lock,
 * on their own connection (db/migration-connection.ts). Until that has succeeded once,
 * every query is refused with a 503 (db/startup.ts) and retried in the background, so a
 * database that is away at start-up never kills the process. Closes it with the app.
 * With DB_MIGRATIONS=skip (the deployed service: a one-off step migrates, see
 * migrate-cli.ts) it applies nothing and only waits until the schema is new enough.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseConfig } from '../config';
import { createDatabase, type Database } from '../db/database';
import { migrate, readMigrations, schemaVersion, type MigrateOptions, type MigrationTarget } from '../db/migrate';
import { migrateOptions, migrationConnection } from '../db/migration-connection';
import { DatabaseStartup, GatedDatabase, type BackoffSettings } from '../db/startup';

declare module 'fastify' {
  interface FastifyInstance {
    db: GatedDatabase;
  }
}

export interface DatabasePluginOptions {
  readonly config: DatabaseConfig;
  /** Use this database instead of opening one; the caller keeps ownership (it is not closed). */
  readonly database?: Database;
  /** Retry pacing while the database is not ready. @default - 500 ms doubling to 15 s */
  readonly startupBackoff?: BackoffSettings;
}

/** A given or embedded database migrates through itself; PostgreSQL on a dedicated connection. */
function migrationPlan(options: DatabasePluginOptions, db: Database): { target: MigrationTarget; settings: MigrateOptions } {
  if (options.database || options.config.kind === 'pglite') return { target: db, settings: {} };
  return { target: migrationConnection(options.config), settings: migrateOptions(options.config) };
}

/** The schema is older than this build: the deploy's migration step has not run (yet). */
export class SchemaBehindError extends Error {
  constructor(readonly current: number, readonly required: number) {
    super(`schema is at migration ${current}, this build needs ${required}: run the migration step (DB_MIGRATIONS=skip)`);
  }
}

/** With DB_MIGRATIONS=skip: ready once the schema is new enough, which the migration step sees to. */
async function awaitMigratedSchema(db: Database): Promise<void> {
  const required = Math.max(0, ...readMigrations().map((migration) => migration.version));
  // Before the first migration there is no bookkeeping table: that is "behind" too.
  const current = await schemaVersion(db.query).catch((error: { code?: string }) => {
    if (error.code === '42P01') return 0;
    throw error;
  });
  if (current < required) throw new SchemaBehindError(current, required);
}

async function database(app: FastifyInstance, options: DatabasePluginOptions): Promise<void> {
  const inner = options.database ?? (await createDatabase(options.config, app.log));
  const gate = new GatedDatabase(inner);
  const skipMigrations = options.config.kind === 'postgres' && options.config.migrations === 'skip';
  const { target, settings } = migrationPlan(options, inner);
  const startup = new DatabaseStartup(
    gate,
    async () => {
      if (skipMigrations) {
        await awaitMigratedSchema(inner);
        app.log.info({ database: inner.kind }, 'schema up to date (migrations are applied by the migration step)');
        return;
      }
      const applied = await migrate(target, undefined, { ...settings, log: (fields, message) => app.log.info(fields, message) });
      app.log.info({ applied, database: inner.kind }, applied.length ? 'migrations applied' : 'schema up to date');
    },
    app.log,
    options.startupBackoff,
  );
  app.addHook('onClose', async () => {
    startup.stop();
    if (!options.database) await inner.close();
  });
  app.decorate('db', gate);
  await startup.start();
}

export default fp(database, { name: 'database' });
