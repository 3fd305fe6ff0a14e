/**
 * Issue 11 item 3, the deploy's migration step (app/src/migrate-cli.ts) against real
 * PostgreSQL: it runs as the schema owner, creates the runtime role (or sets its password
 * from the runtime secret), migrates and grants DML only; it refuses a runtime role that
 * holds more; and a service started with DB_MIGRATIONS=skip applies nothing and becomes
 * ready only once the step has run.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Client } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from '../../app/src/config';
import { scramSha256Verifier } from '../../app/src/db/runtime-login';
import { runMigrationStep } from '../../app/src/migrate-cli';
import { captureLogs, createNote, expectProblem, postgresBackend, register, startApp, until } from './support';

const backend = postgresBackend();
const OWNER = 'bulwark_migrator';
const RUNTIME = 'bulwark_app';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

beforeAll(async () => {
  await backend.start();
  const server = backend.server!;
  // The runtime role logs in with its password (SCRAM), as on Aurora; everyone else keeps trust.
  const hba = join(server.dataDir, 'pg_hba.conf');
  writeFileSync(hba, `host all ${RUNTIME} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
  await backend.query('SELECT pg_reload_conf()');
  // Like Aurora's master user: may create roles, owns the app's database, is no superuser.
  await backend.query(`CREATE ROLE ${OWNER} LOGIN CREATEROLE`);
});
afterAll(() => backend.stop());

let databaseCounter = 0;
/** A fresh database owned by the migration role (PostgreSQL 15+: its public schema too). */
async function ownedDatabase(): Promise<string> {
  const name = `step_${++databaseCounter}`;
  await backend.query(`CREATE DATABASE ${name} OWNER ${OWNER}`);
  const admin = new Client({ connectionString: `postgres://${backend.server!.user}@127.0.0.1:${backend.server!.port}/${name}` });
  await admin.connect();
  await admin.query(`ALTER SCHEMA public OWNER TO ${OWNER}`);
  await admin.end();
  return name;
}

/** Runs `sql` as the server's superuser in `database` (what only an operator could do). */
async function asSuperuser(database: string, sql: string): Promise<void> {
  const admin = new Client({ connectionString: `postgres://${backend.server!.user}@127.0.0.1:${backend.server!.port}/${database}` });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** What the migration task gets: the runtime secret as DB_*, the owner (master) secret as DB_MIGRATION_*. */
const stepEnv = (database: string, runtimePassword: string): Record<string, string> => ({
  DB_HOST: '127.0.0.1',
  DB_PORT: String(backend.server!.port),
  DB_NAME: database,
  DB_SSL: 'disable',
  DB_USERNAME: RUNTIME,
  DB_PASSWORD: runtimePassword,
  DB_MIGRATION_USERNAME: OWNER,
  DB_MIGRATION_PASSWORD: 'owner-password-unused-under-trust',
  LOG_LEVEL: 'silent',
});

async function asRuntime<T>(database: string, password: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: '127.0.0.1', port: backend.server!.port, database, user: RUNTIME, password });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('the migration step', () => {
  it('creates the runtime role with the secret\'s password, migrates as the owner, and the runtime role gets DML only', async () => {
    const database = await ownedDatabase();
    const report = await runMigrationStep(stepEnv(database, 'first-Password-1'));
    // This server does not preload pgaudit: nothing to create (audit-log.test.ts runs one that does).
    expect(report).toEqual({ runtimeRole: RUNTIME, runtimeLogin: 'created', auditExtension: 'not loaded', applied: [1, 2, 3] });

    await asRuntime(database, 'first-Password-1', async (runtime) => {
      const [user] = (await runtime.query("INSERT INTO users (email, token_hash) VALUES ('a@example.com', sha256('t')) RETURNING id")).rows;
      const [note] = (await runtime.query("INSERT INTO notes (user_id, title, body) VALUES ($1, 'title', 'body') RETURNING id, seq", [user.id])).rows;
      expect(Number(note.seq)).toBeGreaterThan(0);
      expect((await runtime.query("UPDATE notes SET title = 'changed' WHERE id = $1", [note.id])).rowCount).toBe(1);
      expect((await runtime.query('UPDATE users SET note_count = 1 WHERE id = $1', [user.id])).rowCount).toBe(1);
      expect((await runtime.query('SELECT title FROM notes')).rows).toEqual([{ title: 'changed' }]);
      expect((await runtime.query('SELECT max(version) AS v FROM schema_migrations')).rows).toEqual([{ v: 3 }]);
      expect((await runtime.query('DELETE FROM notes WHERE id = $1', [note.id])).rowCount).toBe(1);
      expect((await runtime.query('DELETE FROM users WHERE id = $1', [user.id])).rowCount).toBe(1);
      const refused = [
        'CREATE TABLE intruder (id int)',
        'DROP TABLE notes',
        'ALTER TABLE notes ADD COLUMN extra int',
        'ALTER TABLE users DROP CONSTRAINT users_token_hash_length',
        'CREATE INDEX ON notes (title)',
        'TRUNCATE notes',
        'INSERT INTO schema_migrations (version, name) VALUES (99, \'forged\')',
        'DELETE FROM schema_migrations',
        'CREATE ROLE intruder',
        `ALTER ROLE ${RUNTIME} CREATEDB`,
      ];
      for (const statement of refused) {
        await expect(runtime.query(statement), statement).rejects.toMatchObject({ code: '42501' });
      }
    });
    await expect(asRuntime(database, 'wrong-password', async () => undefined)).rejects.toMatchObject({ code: '28P01' });
  });

  it('sets the password again on every run (a rotated secret), and applies nothing twice', async () => {
    const database = await ownedDatabase();
    await runMigrationStep(stepEnv(database, 'before-rotation-1'));
    const report = await runMigrationStep(stepEnv(database, 'after-rotation-2'));
    expect(report).toEqual({ runtimeRole: RUNTIME, runtimeLogin: 'updated', auditExtension: 'not loaded', applied: [] });
    await expect(asRuntime(database, 'before-rotation-1', async () => undefined)).rejects.toMatchObject({ code: '28P01' });
    expect(await asRuntime(database, 'after-rotation-2', async (runtime) => (await runtime.query('SELECT count(*)::int AS n FROM notes')).rows[0].n)).toBe(0);
  });

  it('never sends the password in clear: the server stores the verifier computed by the step', async () => {
    const database = await ownedDatabase();
    await runMigrationStep(stepEnv(database, 'logged-nowhere-1'));
    const [{ rolpassword }] = await backend.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [RUNTIME]);
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(rolpassword)!;
    expect(rolpassword).toBe(scramSha256Verifier('logged-nowhere-1', Buffer.from(salt, 'base64'), Number(iterations)));
    expect(() => scramSha256Verifier('pässword')).toThrow(/printable ASCII/);
  });

  it('fails, naming the excess, when the runtime role holds more than DML', async () => {
    const database = await ownedDatabase();
    await runMigrationStep(stepEnv(database, 'excess-1'));
    await backend.query(`ALTER ROLE ${RUNTIME} CREATEDB`);
    try {
      await expect(runMigrationStep(stepEnv(database, 'excess-1'))).rejects.toThrow(`the runtime role "${RUNTIME}" must hold DML only, but has: createdb`);
    } finally {
      await backend.query(`ALTER ROLE ${RUNTIME} NOCREATEDB`);
    }
    await backend.query(`GRANT ${OWNER} TO ${RUNTIME}`);
    try {
      await expect(runMigrationStep(stepEnv(database, 'excess-1'))).rejects.toThrow(/but has: member of the owner, CREATE on the database, CREATE on schema public$/);
    } finally {
      await backend.query(`REVOKE ${OWNER} FROM ${RUNTIME}`);
    }
  });

  it('revokes CREATE on the public schema from PUBLIC (granted by PostgreSQL before 15, kept by restored clusters)', async () => {
    const database = await ownedDatabase();
    await asSuperuser(database, 'GRANT CREATE ON SCHEMA public TO PUBLIC');
    expect(await runMigrationStep(stepEnv(database, 'old-defaults-1'))).toMatchObject({ applied: [1, 2, 3] });
    await asRuntime(database, 'old-defaults-1', async (runtime) => {
      expect((await runtime.query("SELECT has_schema_privilege('public', 'CREATE') AS can")).rows).toEqual([{ can: false }]);
      await expect(runtime.query('CREATE TABLE intruder (id int)')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('fails, naming it, when the runtime role may CREATE in any schema or create schemas', async () => {
    const database = await ownedDatabase();
    await runMigrationStep(stepEnv(database, 'create-1'));
    await asSuperuser(database, `CREATE SCHEMA scratch; GRANT CREATE ON SCHEMA scratch TO ${RUNTIME}`);
    await expect(runMigrationStep(stepEnv(database, 'create-1'))).rejects.toThrow(`the runtime role "${RUNTIME}" must hold DML only, but has: CREATE on schema scratch`);
    await asSuperuser(database, `DROP SCHEMA scratch; GRANT CREATE ON SCHEMA public TO ${RUNTIME}; GRANT CREATE ON DATABASE ${database} TO ${RUNTIME}`);
    try {
      // A direct grant outlives the REVOKE from PUBLIC: the check still catches it.
      await expect(runMigrationStep(stepEnv(database, 'create-1'))).rejects.toThrow(/but has: CREATE on the database, CREATE on schema public$/);
    } finally {
      await asSuperuser(database, `REVOKE CREATE ON DATABASE ${database} FROM ${RUNTIME}`);
    }
  });

  it('refuses to run without owner credentials, or with the owner as the runtime role', async () => {
    const database = await ownedDatabase();
    const { DB_MIGRATION_USERNAME: _user, DB_MIGRATION_PASSWORD: _password, ...withoutOwner } = stepEnv(database, 'x-1');
    await expect(runMigrationStep(withoutOwner)).rejects.toThrow(ConfigError);
    await expect(runMigrationStep(withoutOwner)).rejects.toThrow(/runs as the schema owner: set DB_MIGRATION_USERNAME/);
    await expect(runMigrationStep({ ...stepEnv(database, 'x-1'), DB_USERNAME: OWNER })).rejects.toThrow(`the runtime role "${OWNER}" is the role migrations run as`);
    await expect(runMigrationStep({ LOG_LEVEL: 'silent' })).rejects.toThrow(/needs a PostgreSQL database/);
  });

  it('as a process: exits 1 with one JSON line that says why', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'app', 'src', 'migrate-cli.ts')], {
      env: { PATH: process.env.PATH, DB_HOST: '127.0.0.1', DB_USERNAME: RUNTIME, DB_PASSWORD: 'x-1', DB_SSL: 'disable' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    const line = JSON.parse(result.stdout.trim());
    expect(line).toMatchObject({ level: 'error', msg: 'migration step failed', err: { message: expect.stringMatching(/schema owner/) } });
  });
});

describe('a service task with DB_MIGRATIONS=skip', () => {
  it('parses the mode and refuses anything else', () => {
    const base = { DB_HOST: 'db', DB_USERNAME: 'u', DB_PASSWORD: 'p' };
    expect(loadConfig(base).database).toMatchObject({ migrations: 'apply' });
    expect(loadConfig({ ...base, DB_MIGRATIONS: 'skip' }).database).toMatchObject({ migrations: 'skip' });
    expect(() => loadConfig({ ...base, DB_MIGRATIONS: 'later' })).toThrow('DB_MIGRATIONS must be "apply" or "skip", got "later"');
  });

  it('applies nothing and answers 503 until the migration step has run, then serves', async () => {
    // A schema one migration behind this build, as when tasks start before the step ran.
    const behind = await ownedDatabase();
    await runMigrationStep(stepEnv(behind, 'skip-1'));
    const asOwner = async (sql: string) => {
      const admin = new Client({ connectionString: `postgres://${backend.server!.user}@127.0.0.1:${backend.server!.port}/${behind}` });
      await admin.connect();
      try {
        return await admin.query(sql);
      } finally {
        await admin.end();
      }
    };
    await asOwner('DELETE FROM schema_migrations WHERE version = 3');
    await asOwner('ALTER TABLE users DROP COLUMN note_count');

    const { entries, stream } = captureLogs();
    const { DB_MIGRATION_USERNAME: _user, DB_MIGRATION_PASSWORD: _password, ...runtimeOnly } = stepEnv(behind, 'skip-1');
    const { database } = loadConfig({ ...runtimeOnly, DB_MIGRATIONS: 'skip' });
    app = await startApp({ config: testConfig({ database }), logger: { level: 'info', stream } });
    expectProblem(await app.inject('/readyz'), 503);
    const behindLog = entries.find((entry) => entry.msg === 'database not ready; retrying');
    expect((behindLog?.err as { message: string }).message).toBe('schema is at migration 2, this build needs 3: run the migration step (DB_MIGRATIONS=skip)');
    // The task applied nothing: migration 3's column is still missing.
    const column = "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'note_count'";
    expect((await asOwner(column)).rowCount).toBe(0);

    await runMigrationStep(stepEnv(behind, 'skip-1'));
    expect((await asOwner(column)).rowCount).toBe(1);
    await until(async () => (await app!.inject('/readyz')).statusCode === 200, 'readiness once the step has migrated');
    await createNote(app, await register(app));
  });
});
