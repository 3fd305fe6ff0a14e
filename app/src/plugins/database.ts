/**
 * Opens the database (pg pool or PGlite) and applies migrations under the advisory lock,
 * on their own connection (db/migration-connection.ts). Until that has succeeded once,
 * every query is refused with a 503 (db/startup.ts) and retried in the background, so a
 * database that is away at start-up never kills the process. Closes it with the app.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseConfig } from '../config';
import { createDatabase, type Database } from '../db/database';
import { migrate, type MigrateOptions, type MigrationTarget } from '../db/migrate';
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

async function database(app: FastifyInstance, options: DatabasePluginOptions): Promise<void> {
  const inner = options.database ?? (await createDatabase(options.config, app.log));
  const gate = new GatedDatabase(inner);
  const { target, settings } = migrationPlan(options, inner);
  const startup = new DatabaseStartup(
    gate,
    async () => {
      const applied = await migrate(target, undefined, settings);
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
