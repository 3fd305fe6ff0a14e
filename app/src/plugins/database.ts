/**
 * Opens the database (pg pool or PGlite), applies migrations under the advisory lock
 * before the app accepts traffic, and closes it when the app closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseConfig } from '../config';
import { createDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrate';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

export interface DatabasePluginOptions {
  readonly config: DatabaseConfig;
  /** Use this database instead of opening one; the caller keeps ownership (it is not closed). */
  readonly database?: Database;
}

async function database(app: FastifyInstance, options: DatabasePluginOptions): Promise<void> {
  const db = options.database ?? (await createDatabase(options.config, app.log));
  if (!options.database) app.addHook('onClose', async () => db.close());
  const applied = await migrate(db);
  app.log.info({ applied, database: db.kind }, applied.length ? 'migrations applied' : 'schema up to date');
  app.decorate('db', db);
}

export default fp(database, { name: 'database' });
