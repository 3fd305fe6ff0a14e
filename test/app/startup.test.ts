/**
 * Issue 11, items 2 and 3, against real PostgreSQL: a task started while its database is
 * away stays alive and becomes ready by itself; migrations run on their own connection
 * (no statement timeout, an explicit lock timeout) as a role that owns the schema, and
 * the runtime role can change data but never the schema.
 */
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig, type DatabaseConfig } from '../../app/src/config';
import { migrate, readMigrations } from '../../app/src/db/migrate';
import { migrationConnection } from '../../app/src/db/migration-connection';
import { captureLogs, createNote, expectProblem, postgresBackend, register, startApp, until } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});


const urlFor = (database: string, user = backend.server!.user): string =>
  `postgres://${user}@127.0.0.1:${backend.server!.port}/${database}`;

const postgres = (connectionString: string, extra: Partial<Extract<DatabaseConfig, { kind: 'postgres' }>> = {}): DatabaseConfig => ({
  kind: 'postgres',
  connectionString,
  ssl: { mode: 'disable' },
  poolSize: 3,
  ...extra,
});

async function asAdmin<T>(database: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('start-up with the database away', () => {
  it('stays alive with /healthz 200 and 503 problem+json elsewhere while PostgreSQL is down, then becomes ready on its own', async () => {
    await backend.server!.pause();
    const { entries, stream } = captureLogs();
    try {
      app = await startApp({ config: testConfig({ database: postgres(backend.server!.url) }), logger: { level: 'info', stream } });
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      expectProblem(await app.inject('/readyz'), 503);
      const registration = await app.inject({ method: 'POST', url: '/v1/users', payload: { email: 'early@example.com' } });
      expectProblem(registration, 503);
      expect(registration.headers['retry-after']).toBeDefined();
      await until(async () => entries.filter((entry) => entry.msg === 'database not ready; retrying').length >= 2, 'two logged retries');
      const delays = entries.filter((entry) => entry.msg === 'database not ready; retrying').map((entry) => entry.retryInMs as number);
      expect(delays[1]).toBeGreaterThan(delays[0]);
    } finally {
      await backend.server!.start();
    }
    await until(async () => (await app!.inject('/readyz')).statusCode === 200, 'readiness once PostgreSQL is up');
    await createNote(app!, await register(app!));
  });

  it('waits for its database to be created', async () => {
    app = await startApp({ config: testConfig({ database: postgres(urlFor('created_later')) }) });
    expectProblem(await app.inject('/readyz'), 503);
    await asAdmin('postgres', (admin) => admin.query('CREATE DATABASE created_later'));
    await until(async () => (await app!.inject('/readyz')).statusCode === 200, 'readiness once the database exists');
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
  });
});

describe('migrations', () => {
  it('run without the pool’s statement timeout, give up on a held table lock after the lock timeout, and succeed once it is released', async () => {
    await asAdmin('postgres', (admin) => admin.query('CREATE DATABASE lock_wait'));
    const config = postgres(urlFor('lock_wait'), { migrationLockTimeoutMs: 300 });
    const target = migrationConnection(config as Extract<DatabaseConfig, { kind: 'postgres' }>);
    const [first, ...rest] = readMigrations();
    await migrate(target, [first]);
    expect(await target.withSession(({ query }) => query<{ statement_timeout: string }>('SHOW statement_timeout'))).toEqual([{ statement_timeout: '0' }]);

    const locker = new Client({ connectionString: urlFor('lock_wait') });
    await locker.connect();
    try {
      // A live write on users (ROW EXCLUSIVE) blocks 002's foreign key to it (SHARE ROW EXCLUSIVE).
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ROW EXCLUSIVE MODE');
      await expect(migrate(target, rest, { lockTimeoutMs: 300 })).rejects.toMatchObject({ code: '55P03' });
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    expect(await migrate(target, rest, { lockTimeoutMs: 300 })).toEqual(rest.map((m) => m.version));
  });

  it('a separate owner role migrates; the runtime role gets DML only and cannot CREATE, DROP or ALTER', async () => {
    await asAdmin('postgres', async (admin) => {
      await admin.query('CREATE ROLE bulwark_owner LOGIN');
      await admin.query('CREATE ROLE bulwark_runtime LOGIN');
      await admin.query('CREATE DATABASE role_split OWNER bulwark_owner');
    });
    // PostgreSQL 15+: the public schema belongs to the database owner; nobody else may create in it.
    await asAdmin('role_split', (admin) => admin.query('ALTER SCHEMA public OWNER TO bulwark_owner'));

    const database = postgres(urlFor('role_split', 'bulwark_runtime'), { migration: { connectionString: urlFor('role_split', 'bulwark_owner') } });
    app = await startApp({ config: testConfig({ database }) });
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    const user = await register(app);
    const note = await createNote(app, user);
    const patched = await app.inject({ method: 'PATCH', url: `/v1/notes/${note.id}`, headers: user.auth, payload: { title: 'changed' } });
    expect(patched.statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: `/v1/notes/${note.id}`, headers: user.auth })).statusCode).toBe(204);

    const runtime = new Client({ connectionString: urlFor('role_split', 'bulwark_runtime') });
    await runtime.connect();
    try {
      const tables = await runtime.query<{ tablename: string; tableowner: string }>("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      expect(tables.rows).toEqual([
        { tablename: 'notes', tableowner: 'bulwark_owner' },
        { tablename: 'schema_migrations', tableowner: 'bulwark_owner' },
        { tablename: 'users', tableowner: 'bulwark_owner' },
      ]);
      for (const ddl of ['CREATE TABLE intruder (id int)', 'DROP TABLE notes', 'ALTER TABLE notes ADD COLUMN extra int', 'CREATE INDEX ON notes (title)', 'TRUNCATE notes', 'DELETE FROM schema_migrations']) {
        await expect(runtime.query(ddl), ddl).rejects.toMatchObject({ code: expect.stringMatching(/^42501$|^42P01$/) });
      }
    } finally {
      await runtime.end();
    }
  });
});
