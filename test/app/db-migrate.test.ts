/**
 * app/src/db/migrate.ts against a real throwaway PostgreSQL (a fresh database per test):
 * which files are migrations and in what order, one transaction per migration with the
 * configured lock timeout, the bookkeeping table, the advisory lock let go on success and
 * failure, schemaVersion, and the runtime role's grants: DML only, checked afterwards, with
 * the exact message naming every excess right, and nothing done when the runtime role is
 * the role migrating.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, type Database, type Session } from '../../app/src/db/database';
import type { Migration } from '../../app/src/db/migrate';
import { MIGRATION_LOCK_KEY } from '../../app/src/db/migration-lock';
import { freshModuleEachTest } from '../support/fresh-module';
import { postgresBackend } from './support';

// Loaded anew in each test: the migration file pattern, quoteIdentifier and the missing-role
// error are module-level, and part of what the tests pin.
const migrateModule = freshModuleEachTest(() => import('../../app/src/db/migrate'));

const quietLog = { warn: () => undefined, info: () => undefined };

describe('readMigrations', () => {
  function dirWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-migrations-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  }

  it('reads NNN.do.name.sql files only, in numeric version order, with their name and text', () => {
    const dir = dirWith({
      '10.do.ten.sql': 'SELECT 10',
      '9.do.nine-with-dash.sql': 'SELECT 9',
      '001.do.first_one.sql': 'SELECT 1',
      'README.md': 'not a migration',
      '002.undo.first.sql': 'not a migration',
      '003.do.bad name.sql': 'not a migration',
      'x004.do.prefixed.sql': 'not a migration',
      '005.do.suffixed.sql.bak': 'not a migration',
      '006.do..sql': 'not a migration',
      '.do.noversion.sql': 'not a migration',
    });
    mkdirSync(join(dir, 'subdir'));
    try {
      expect(migrateModule().readMigrations(dir)).toEqual([
        { version: 1, name: 'first_one', sql: 'SELECT 1' },
        { version: 9, name: 'nine-with-dash', sql: 'SELECT 9' },
        { version: 10, name: 'ten', sql: 'SELECT 10' },
      ]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses two files with the same version, naming the directory', () => {
    const dir = dirWith({ '1.do.a.sql': 'SELECT 1', '001.do.b.sql': 'SELECT 2' });
    try {
      expect(() => migrateModule().readMigrations(dir)).toThrow(new Error(`duplicate migration version in ${dir}`));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('an empty directory has no migrations', () => {
    const dir = dirWith({});
    try {
      expect(migrateModule().readMigrations(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('defaults to the source tree’s app/migrations', () => {
    expect(migrateModule().defaultMigrationsDir()).toBe(resolve('app/migrations'));
    const migrations = migrateModule().readMigrations();
    expect(migrations).toEqual(migrateModule().readMigrations(resolve('app/migrations')));
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations[0].version).toBe(1);
  });
});

describe('quoteIdentifier', () => {
  it('double-quotes a name and doubles every quote in it', () => {
    expect(migrateModule().quoteIdentifier('app')).toBe('"app"');
    expect(migrateModule().quoteIdentifier('My Role')).toBe('"My Role"');
    expect(migrateModule().quoteIdentifier('a"b"c')).toBe('"a""b""c"');
    expect(migrateModule().quoteIdentifier('')).toBe('""');
  });
});

describe('schemaVersion', () => {
  it('is the newest version, 0 before the first', async () => {
    const sql: string[] = [];
    const answer = (version: number | null): Session['query'] =>
      (async (text: string) => {
        sql.push(text);
        return [{ version }];
      }) as Session['query'];
    expect(await migrateModule().schemaVersion(answer(null))).toBe(0);
    expect(await migrateModule().schemaVersion(answer(7))).toBe(7);
    expect(sql).toEqual(['SELECT max(version) AS version FROM schema_migrations', 'SELECT max(version) AS version FROM schema_migrations']);
  });
});

describe('migrate against PostgreSQL', () => {
  const backend = postgresBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  let counter = 0;
  /** A fresh database and a one-connection pool on it, as the server's superuser. */
  async function freshDatabase(): Promise<{ name: string; db: Database; url: string }> {
    const name = `migrate_${++counter}`;
    await backend.query(`CREATE DATABASE ${name}`);
    const url = `postgres://${backend.server!.user}@127.0.0.1:${backend.server!.port}/${name}`;
    const db = await createPostgresDatabase({ kind: 'postgres', connectionString: url, ssl: { mode: 'disable' }, poolSize: 1 }, quietLog);
    return { name, db, url };
  }

  const advisoryLocks = async (): Promise<number> =>
    (await backend.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1", [MIGRATION_LOCK_KEY]))[0].n;

  it('applies pending migrations in order, once, recording version and name, and lets go of the advisory lock', async () => {
    const { db } = await freshDatabase();
    try {
      const migrations: Migration[] = [
        { version: 1, name: 'one', sql: 'CREATE TABLE one (id int); INSERT INTO one VALUES (1)' },
        { version: 2, name: 'two', sql: 'CREATE TABLE two (id int)' },
      ];
      expect(await migrateModule().migrate(db, migrations)).toEqual([1, 2]);
      expect(await advisoryLocks()).toBe(0);
      const recorded = await db.query<{ version: number; name: string; recent: boolean }>(
        "SELECT version, name, applied_at > now() - interval '1 hour' AS recent FROM schema_migrations ORDER BY version",
      );
      expect(recorded).toEqual([
        { version: 1, name: 'one', recent: true },
        { version: 2, name: 'two', recent: true },
      ]);
      expect(await migrateModule().schemaVersion(db.query)).toBe(2);
      expect(await migrateModule().migrate(db, migrations)).toEqual([]);
      expect(await migrateModule().migrate(db, [...migrations, { version: 3, name: 'three', sql: 'CREATE TABLE three (id int)' }])).toEqual([3]);
      expect(await db.query('SELECT id FROM one')).toEqual([{ id: 1 }]);
      expect(await migrateModule().schemaVersion(db.query)).toBe(3);
    } finally {
      await db.close();
    }
  });

  it('runs each migration in its own transaction under the lock timeout (default 10 s, else the configured value truncated)', async () => {
    expect(migrateModule().DEFAULT_MIGRATION_LOCK_TIMEOUT_MS).toBe(10_000);
    const { db } = await freshDatabase();
    try {
      const probe = (version: number): Migration => ({
        version,
        name: `probe${version}`,
        sql: `CREATE TABLE probe${version} AS SELECT current_setting('lock_timeout') AS lock_timeout`,
      });
      await migrateModule().migrate(db, [probe(1)]);
      await migrateModule().migrate(db, [probe(1), probe(2)], { lockTimeoutMs: 1_500.9 });
      expect(await db.query('SELECT lock_timeout FROM probe1')).toEqual([{ lock_timeout: '10s' }]);
      expect(await db.query('SELECT lock_timeout FROM probe2')).toEqual([{ lock_timeout: '1500ms' }]);
      // The migration's rows and its schema_migrations row were written by one transaction (same xmin).
      for (const version of [1, 2]) {
        const [{ same }] = await db.query<{ same: boolean }>(`SELECT (SELECT xmin::text FROM probe${version}) = (SELECT xmin::text FROM schema_migrations WHERE version = $1) AS same`, [version]);
        expect(same, `probe${version}`).toBe(true);
      }
      // SET LOCAL: the session's own setting is back once the migration committed.
      expect(await db.query<{ lt: string }>("SELECT current_setting('lock_timeout') AS lt")).toEqual([{ lt: '0' }]);
    } finally {
      await db.close();
    }
  });

  it('a failing migration is rolled back whole, the ones before it stay, the error is rethrown and the lock let go', async () => {
    const { db } = await freshDatabase();
    try {
      const migrations: Migration[] = [
        { version: 1, name: 'good', sql: 'CREATE TABLE good (id int)' },
        { version: 2, name: 'bad', sql: 'CREATE TABLE half (id int); SELECT no_such_column FROM good' },
        { version: 3, name: 'after', sql: 'CREATE TABLE after_bad (id int)' },
      ];
      await expect(migrateModule().migrate(db, migrations)).rejects.toMatchObject({ code: '42703' });
      expect(await advisoryLocks()).toBe(0);
      expect(await db.query<{ version: number }>('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
      expect(await db.query("SELECT to_regclass('half') AS half, to_regclass('after_bad') AS after")).toEqual([{ half: null, after: null }]);
      // Not left in a transaction: the connection goes on working.
      expect(await db.query<{ ro: string }>("SELECT current_setting('transaction_isolation') AS ro")).toEqual([{ ro: 'read committed' }]);
      expect(await migrateModule().migrate(db, [migrations[0], { ...migrations[1], sql: 'CREATE TABLE half (id int)' }])).toEqual([2]);
    } finally {
      await db.close();
    }
  });

  it('with the runtime role being the role migrating: no grants and no check', async () => {
    const { db } = await freshDatabase();
    try {
      // The migrator is the superuser: a check would refuse it.
      expect(await migrateModule().migrate(db, [{ version: 1, name: 'one', sql: 'CREATE TABLE one (id int)' }], { runtimeRole: backend.server!.user })).toEqual([1]);
    } finally {
      await db.close();
    }
  });

  it('a runtime role that does not exist fails the step, naming it', async () => {
    const { db } = await freshDatabase();
    try {
      await expect(migrateModule().migrate(db, [], { runtimeRole: 'no_such_role' })).rejects.toThrow(
        new Error('the runtime role "no_such_role" does not exist: create it before migrating (see runtime-login.ts)'),
      );
      expect(await advisoryLocks()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('grants the runtime role DML on every table, USAGE on sequences, SELECT only on the bookkeeping, and revokes PUBLIC’s CREATE', async () => {
    const { db } = await freshDatabase();
    const role = `rt_dml_${counter}`;
    await backend.query(`CREATE ROLE ${role} LOGIN`);
    try {
      // As on a cluster upgraded from PostgreSQL < 15: everyone may create in public.
      await db.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
      const migrations: Migration[] = [{ version: 1, name: 'notes', sql: 'CREATE TABLE items (id bigserial PRIMARY KEY, v text)' }];
      expect(await migrateModule().migrate(db, migrations, { runtimeRole: role })).toEqual([1]);
      const [rights] = await db.query<Record<string, boolean>>(
        `SELECT has_table_privilege($1, 'items', 'SELECT') AS s, has_table_privilege($1, 'items', 'INSERT') AS i,
                has_table_privilege($1, 'items', 'UPDATE') AS u, has_table_privilege($1, 'items', 'DELETE') AS d,
                has_table_privilege($1, 'items', 'TRUNCATE') AS t, has_sequence_privilege($1, 'items_id_seq', 'USAGE') AS seq,
                has_table_privilege($1, 'schema_migrations', 'SELECT') AS ms, has_table_privilege($1, 'schema_migrations', 'INSERT') AS mi,
                has_schema_privilege($1, 'public', 'USAGE') AS usage, has_schema_privilege($1, 'public', 'CREATE') AS "create"`,
        [role],
      );
      expect(rights).toEqual({ s: true, i: true, u: true, d: true, t: false, seq: true, ms: true, mi: false, usage: true, create: false });
    } finally {
      await db.close();
    }
  });

  it('in an app schema other than public, grants the runtime role USAGE on it, so its DML reaches the tables', async () => {
    const name = `migrate_${++counter}`;
    const role = `rt_schema_${counter}`;
    await backend.query(`CREATE DATABASE ${name}`);
    // Set before the first connection: every session of this database resolves names in "app".
    await backend.query(`ALTER DATABASE ${name} SET search_path = app`);
    await backend.query(`CREATE ROLE ${role} LOGIN`);
    const url = `postgres://${backend.server!.user}@127.0.0.1:${backend.server!.port}/${name}`;
    const db = await createPostgresDatabase({ kind: 'postgres', connectionString: url, ssl: { mode: 'disable' }, poolSize: 1 }, quietLog);
    try {
      await db.query('CREATE SCHEMA app');
      expect(await migrateModule().migrate(db, [{ version: 1, name: 'items', sql: 'CREATE TABLE items (id bigserial PRIMARY KEY, v text)' }], { runtimeRole: role })).toEqual([1]);
      expect(await db.query("SELECT to_regclass('app.items')::text AS items")).toEqual([{ items: 'items' }]);
      expect(await db.query(`SELECT has_schema_privilege($1, 'app', 'USAGE') AS usage, has_schema_privilege($1, 'app', 'CREATE') AS "create"`, [role])).toEqual([
        { usage: true, create: false },
      ]);
      const inserted = await db.withSession(async ({ query }) => {
        await query(`SET ROLE ${role}`);
        try {
          return await query<{ v: string }>("INSERT INTO items (v) VALUES ('reached') RETURNING v");
        } finally {
          await query('RESET ROLE');
        }
      });
      expect(inserted).toEqual([{ v: 'reached' }]);
    } finally {
      await db.close();
    }
  });

  it('a runtime role holding more than DML fails the step, naming every excess right', async () => {
    const { name, db } = await freshDatabase();
    const role = `rt_excess_${counter}`;
    await backend.query(`CREATE ROLE ${role} LOGIN CREATEDB CREATEROLE`);
    await backend.query(`GRANT CREATE ON DATABASE ${name} TO ${role}`);
    try {
      await db.withSession(({ exec }) => exec(`CREATE SCHEMA extra; GRANT CREATE ON SCHEMA extra TO ${role}`));
      await expect(migrateModule().migrate(db, [], { runtimeRole: role })).rejects.toThrow(
        new Error(`the runtime role "${role}" must hold DML only, but has: createdb, createrole, CREATE on the database, CREATE on schema extra`),
      );
      expect(await advisoryLocks()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('names superuser, replication, bypassrls and membership of the owner', async () => {
    const { db } = await freshDatabase();
    const role = `rt_super_${counter}`;
    await backend.query(`CREATE ROLE ${role} LOGIN SUPERUSER REPLICATION BYPASSRLS`);
    try {
      const error = await migrateModule().migrate(db, [], { runtimeRole: role }).catch((rejected: unknown) => rejected);
      expect((error as Error).message).toMatch(new RegExp(`^the runtime role "${role}" must hold DML only, but has: superuser, replication, bypassrls, member of the owner, CREATE on the database, CREATE on schema `));
    } finally {
      await db.close();
    }
  });
});
