/**
 * app/src/db/database.ts, function by function: the pool's settings (poolConfig), which
 * errors mean "database unavailable" (isUnavailable, isPasswordRefused), and the `pg`
 * database against a real throwaway PostgreSQL: how each failure is classified (pool
 * exhausted, unavailable, or the driver's own error rethrown), a session whose connection
 * broke is not handed out again, a snapshot commits or rolls back, and the exact log lines.
 * With a Secrets Manager secret followed (client mocked), a refused password is a 503 and
 * re-reads the secret with the configured client settings. The embedded PGlite database is
 * pinned too (its log line, serialized sessions, snapshot).
 *
 * Each test loads the module and builds its own database inside the `it` (only the server
 * starts in beforeAll), so a mutation testing run can trace every line it executes, the
 * module-level patterns included, to the tests that cover it.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../../app/src/config';
import { RotatingCredentials } from '../../app/src/db/credentials';
import type { Database } from '../../app/src/db/database';
import { freshModuleEachTest } from '../support/fresh-module';
import { droppingServer, postgresBackend, rejection, until } from './support';

// Loaded anew in each test: the SQLSTATE, node-code and pool-exhausted patterns are built
// when the module loads, and are part of what each test here pins.
const database = freshModuleEachTest(() => import('../../app/src/db/database'));

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

interface LogLine {
  level: 'warn' | 'info';
  obj: unknown;
  msg: string | undefined;
}

function recordingLog() {
  const lines: LogLine[] = [];
  return {
    lines,
    log: {
      warn: (obj: object, msg: string) => void lines.push({ level: 'warn', obj, msg }),
      info: (obj: object | string, msg?: string) => void lines.push({ level: 'info', obj, msg }),
    },
  };
}

const backend = postgresBackend();
beforeAll(() => backend.start());
afterAll(() => backend.stop());

const config = (extra: Partial<PostgresConfig> = {}): PostgresConfig => ({
  kind: 'postgres',
  connectionString: backend.server!.url,
  ssl: { mode: 'disable' },
  poolSize: 1,
  ...extra,
});

/** A database for one test, closed after it whatever the outcome. */
async function withDatabase<T>(work: (db: Database, lines: LogLine[]) => Promise<T>, extra: Partial<PostgresConfig> = {}): Promise<T> {
  const { lines, log } = recordingLog();
  const db = await database().createPostgresDatabase(config(extra), log);
  try {
    return await work(db, lines);
  } finally {
    await db.close();
  }
}

/** A statement that fails with `message` and SQLSTATE `code`, raised by the server on a live connection. */
const raise = (message: string, code = 'P0001'): string => `DO $$ BEGIN RAISE EXCEPTION '${message.replace(/'/g, "''")}' USING ERRCODE = '${code}'; END $$`;


describe('the error classes', () => {
  it('carry a fixed message (never the driver text) and the cause', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.1:5432');
    const unavailable = new (database().DatabaseUnavailableError)(cause);
    expect(unavailable).toBeInstanceOf(Error);
    expect(unavailable.message).toBe('database unavailable');
    expect(unavailable.cause).toBe(cause);
    const exhausted = new (database().PoolExhaustedError)(cause);
    expect(exhausted).toBeInstanceOf(Error);
    expect(exhausted.message).toBe('database pool exhausted');
    expect(exhausted.cause).toBe(cause);
  });
});

describe('isUnavailable', () => {
  const withCode = (code: unknown) => Object.assign(new Error('some text'), { code });

  it('a DatabaseUnavailableError is unavailable whatever its cause', () => {
    expect(database().isUnavailable(new (database().DatabaseUnavailableError)(undefined))).toBe(true);
    expect(database().isUnavailable(new (database().DatabaseUnavailableError)(withCode('22P02')))).toBe(true);
  });

  it.each(['08000', '08001', '08003', '08006', '08P01', '53000', '53100', '53200', '53300', '53400', '57P01', '57P02', '57P03', '57P04', '58000', '58030', '58P01'])(
    'SQLSTATE %s (connection exception, insufficient resources, shutdown, system error) is unavailable',
    (code) => expect(database().isUnavailable(withCode(code))).toBe(true),
  );

  it.each(['57P00', '57P05', '57014', '57000', '22P02', '23505', '28P01', '28000', '42601', '40001', '42P08', '55P03', 'P0001', 'XX000', '5', '0', '', 'X08001', ' 08001'])(
    'SQLSTATE %j (a query or auth problem, or not a class above at the start) is not',
    (code) => expect(database().isUnavailable(withCode(code))).toBe(false),
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])('node error code %s is unavailable', (code) => {
    expect(database().isUnavailable(withCode(code))).toBe(true);
  });

  it.each(['ENOENT', 'EACCES', 'econnrefused', 'ECONNREFUSED2', 'ERR_STREAM_PREMATURE_CLOSE'])('node error code %s is not', (code) => {
    expect(database().isUnavailable(withCode(code))).toBe(false);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    'Connection ended',
    'Query read timeout',
    'Client was closed and is not queryable',
    'Cannot use a pool after calling end on the pool',
    'connection TERMINATED',
    'the driver said: query read timeout, giving up',
  ])('message %j is unavailable (case-insensitive, anywhere in the text)', (message) => {
    expect(database().isUnavailable(new Error(message))).toBe(true);
    expect(database().isUnavailable({ message })).toBe(true);
  });

  it.each(['timeout exceeded when trying to connect', 'syntax error at or near "SELEC"', 'Connection', 'terminated', 'Client was', ''])('message %j is not', (message) => {
    expect(database().isUnavailable(new Error(message))).toBe(false);
  });

  it('a non-string code is ignored, and the message still decides', () => {
    expect(database().isUnavailable({ code: 8006, message: 'x' })).toBe(false);
    expect(database().isUnavailable({ code: ['08006'], message: 'x' })).toBe(false);
    expect(database().isUnavailable({ code: 8006, message: 'Connection terminated' })).toBe(true);
    expect(database().isUnavailable({ code: '22P02', message: 'Connection ended' })).toBe(true);
  });

  it('a non-string message is ignored', () => {
    expect(database().isUnavailable({ message: ['Connection terminated'] })).toBe(false);
    expect(database().isUnavailable({ message: { text: 'Connection ended' } })).toBe(false);
  });

  it('nothing, or an object without code and message, is not unavailable', () => {
    expect(database().isUnavailable(undefined)).toBe(false);
    expect(database().isUnavailable(null)).toBe(false);
    expect(database().isUnavailable({})).toBe(false);
    expect(database().isUnavailable('Connection terminated')).toBe(false);
  });
});

describe('isPasswordRefused', () => {
  it('is SQLSTATE 28P01 (invalid_password) only', () => {
    expect(database().isPasswordRefused(Object.assign(new Error('password authentication failed'), { code: '28P01' }))).toBe(true);
    expect(database().isPasswordRefused({ code: '28P01' })).toBe(true);
    for (const other of [{ code: '28000' }, { code: '28P0' }, { code: '08006' }, { code: 28 }, { message: 'password authentication failed' }, {}, undefined, null]) {
      expect(database().isPasswordRefused(other)).toBe(false);
    }
  });
});

describe('poolConfig', () => {
  it('takes the connection fields from the config and sets the request-path limits', () => {
    expect(
      database().poolConfig({
        kind: 'postgres',
        host: 'db.internal',
        port: 6543,
        user: 'app',
        password: 'config-password',
        database: 'notes',
        ssl: { mode: 'disable' },
        poolSize: 7,
      }),
    ).toStrictEqual({
      connectionString: undefined,
      host: 'db.internal',
      port: 6543,
      user: 'app',
      password: 'config-password',
      database: 'notes',
      max: 7,
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 30_000,
      query_timeout: 10_000,
      statement_timeout: 5_000,
      keepAlive: true,
      application_name: 'bulwark-app',
      ssl: false,
    });
  });

  it('passes a connection string through, with nothing else set', () => {
    const pool = database().poolConfig({ kind: 'postgres', connectionString: 'postgres://app@127.0.0.1:5432/notes', ssl: { mode: 'disable' }, poolSize: 3 });
    expect(pool.connectionString).toBe('postgres://app@127.0.0.1:5432/notes');
    expect(pool.host).toBeUndefined();
    expect(pool.port).toBeUndefined();
    expect(pool.user).toBeUndefined();
    expect(pool.password).toBeUndefined();
    expect(pool.database).toBeUndefined();
    expect(pool.max).toBe(3);
  });

  it('verifies the server certificate against a copy of the configured CAs', () => {
    const ca = ['-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----', '-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----'];
    const pool = database().poolConfig({ kind: 'postgres', host: 'db', ssl: { mode: 'verify', ca }, poolSize: 1 });
    expect(pool.ssl).toStrictEqual({ ca, rejectUnauthorized: true });
    expect((pool.ssl as { ca: string[] }).ca).not.toBe(ca);
  });

  it('with rotating credentials: the password is the provider’s function, not the config’s', async () => {
    const credentials = new RotatingCredentials({
      client: {} as never,
      secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
      user: 'app',
      initialPassword: 'from-the-secret',
      log: { warn: () => undefined, info: () => undefined },
    });
    const pool = database().poolConfig({ kind: 'postgres', host: 'db', user: 'app', password: 'from-the-config', ssl: { mode: 'disable' }, poolSize: 1 }, credentials);
    expect(pool.password).toBe(credentials.password);
    expect(await (pool.password as () => Promise<string>)()).toBe('from-the-secret');
  });
});

describe('createPostgresDatabase against PostgreSQL', () => {
  it('runs queries with and without parameters, as named prepared statements, with the pool’s session settings', async () => {
    await withDatabase(async (db) => {
      expect(db.kind).toBe('postgres');
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(await db.query('SELECT $1::int + $2::int AS sum', [2, 3])).toEqual([{ sum: 5 }]);
      // poolSize 1: the same connection, which keeps each statement prepared once under a stable name.
      const prepared = await db.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY name');
      const names = new Map(prepared.map((row) => [row.statement, row.name]));
      expect(names.get('SELECT 1 AS one')).toMatch(/^bulwark_\d+$/);
      expect(names.get('SELECT $1::int + $2::int AS sum')).toMatch(/^bulwark_\d+$/);
      expect(names.get('SELECT 1 AS one')).not.toBe(names.get('SELECT $1::int + $2::int AS sum'));
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const [settings] = await db.query<Record<string, string>>(
        "SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout",
      );
      expect(settings).toEqual({ app: 'bulwark-app', timeout: '5s' });
    });
  });

  it('rethrows a query error that is not an outage as the driver’s own error', async () => {
    await withDatabase(async (db) => {
      const syntax = await rejection(db.query('SELEC 1'));
      expect(syntax).not.toBeInstanceOf(database().DatabaseUnavailableError);
      expect(syntax).toMatchObject({ code: '42601' });
      expect(await rejection(db.query('SELECT $1::int AS n', ['abc']))).toMatchObject({ code: '22P02' });
      // A refused password without a followed secret is not an outage either.
      expect(await rejection(db.query(raise('password authentication failed for user "app"', '28P01')))).toMatchObject({ code: '28P01' });
    });
  });

  it('an outage SQLSTATE or an outage message from the server becomes DatabaseUnavailableError carrying the cause', async () => {
    await withDatabase(async (db) => {
      const resources = await rejection(db.query(raise('out of connections', '53300')));
      expect(resources).toBeInstanceOf(database().DatabaseUnavailableError);
      expect(resources).toMatchObject({ message: 'database unavailable', cause: { code: '53300' } });
      const terminated = await rejection(db.query(raise('Connection terminated by a test')));
      expect(terminated).toBeInstanceOf(database().DatabaseUnavailableError);
      expect(terminated).toMatchObject({ cause: { code: 'P0001', message: 'Connection terminated by a test' } });
    });
  });

  it('pg-pool’s exact acquisition-timeout message becomes PoolExhaustedError; the same words inside another text do not', async () => {
    await withDatabase(async (db) => {
      const exhausted = await rejection(db.query(raise('timeout exceeded when trying to connect')));
      expect(exhausted).toBeInstanceOf(database().PoolExhaustedError);
      expect(exhausted).toMatchObject({ message: 'database pool exhausted', cause: { message: 'timeout exceeded when trying to connect' } });
      for (const text of ['a timeout exceeded when trying to connect', 'timeout exceeded when trying to connect again']) {
        const other = await rejection(db.query(raise(text)));
        expect(other).not.toBeInstanceOf(database().PoolExhaustedError);
        expect(other).not.toBeInstanceOf(database().DatabaseUnavailableError);
        expect(other).toMatchObject({ code: 'P0001', message: text });
      }
    });
  });

  it('a full pool: a query and a session that wait past the 2 s acquisition timeout fail with PoolExhaustedError', async () => {
    await withDatabase(async (db) => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inSession = new Promise<void>((resolve) => (entered = resolve));
      const session = db.withSession(async () => {
        entered();
        await held;
      });
      await inSession;
      try {
        const query = await rejection(db.query('SELECT 1'));
        expect(query).toBeInstanceOf(database().PoolExhaustedError);
        expect(query).toMatchObject({ cause: { message: 'timeout exceeded when trying to connect' } });
        const second = await rejection(db.withSession(async () => 'never'));
        expect(second).toBeInstanceOf(database().PoolExhaustedError);
      } finally {
        release();
        await session;
      }
      expect(await db.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    });
  });

  it('a server that drops every connection: queries and sessions fail with DatabaseUnavailableError', async () => {
    const server = await droppingServer();
    try {
      await withDatabase(
        async (db) => {
          const query = await rejection(db.query('SELECT 1'));
          expect(query).toBeInstanceOf(database().DatabaseUnavailableError);
          expect(query).toMatchObject({ cause: { message: expect.stringMatching(/Connection terminated/) } });
          const session = await rejection(db.withSession(async () => 'never'));
          expect(session).toBeInstanceOf(database().DatabaseUnavailableError);
          expect(session).toMatchObject({ cause: { message: expect.stringMatching(/Connection terminated/) } });
        },
        { connectionString: `postgres://nobody@127.0.0.1:${server.port}/none` },
      );
    } finally {
      await server.close();
    }
  });

  it('a session runs parameterless scripts (simple protocol) and parameterized queries on one connection', async () => {
    await withDatabase(async (db) => {
      const result = await db.withSession(async ({ query, exec }) => {
        await exec('CREATE TEMP TABLE session_rows (n int); INSERT INTO session_rows VALUES (1), (2)');
        const [{ pid }] = await query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const rows = await query<{ n: number }>('SELECT n FROM session_rows WHERE n > $1 ORDER BY n', [0]);
        const again = await query<{ n: number }>('SELECT n FROM session_rows ORDER BY n');
        const [{ same }] = await query<{ same: boolean }>('SELECT pg_backend_pid() = $1 AS same', [pid]);
        return { rows, again, same };
      });
      expect(result).toEqual({ rows: [{ n: 1 }, { n: 2 }], again: [{ n: 1 }, { n: 2 }], same: true });
    });
  });

  it('in a session: an ordinary error is the driver’s and keeps the connection; an outage error is wrapped and the connection is discarded', async () => {
    await withDatabase(async (db) => {
      const pid = () => db.withSession(async ({ query }) => (await query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid);
      const first = await pid();

      const ordinary = await rejection(db.withSession(({ query }) => query('SELECT $1::int AS n', ['abc'])));
      expect(ordinary).not.toBeInstanceOf(database().DatabaseUnavailableError);
      expect(ordinary).toMatchObject({ code: '22P02' });
      expect(await pid()).toBe(first);

      const exhaustedText = await rejection(db.withSession(({ query }) => query(raise('timeout exceeded when trying to connect'))));
      expect(exhaustedText).toBeInstanceOf(database().PoolExhaustedError);
      expect(await pid()).toBe(first);

      const outage = await rejection(db.withSession(({ query }) => query(raise('no more connections', '53300'))));
      expect(outage).toBeInstanceOf(database().DatabaseUnavailableError);
      expect(outage).toMatchObject({ cause: { code: '53300' } });
      // Released as broken: the pool opens a new connection rather than trust that one.
      expect(await pid()).not.toBe(first);
    });
  });

  it('a session whose server connection ends while checked out logs "database session lost" (no crash) and is not reused', async () => {
    await withDatabase(async (db, lines) => {
      const pidBefore = await db.withSession(async ({ query }) => {
        const [{ pid }] = await query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await backend.query('SELECT pg_terminate_backend($1)', [pid]);
        await until(async () => lines.some((line) => line.msg === 'database session lost'), 'the session error to be logged', 10_000);
        return pid;
      });
      // The server's FATAL first; the socket closing after it adds a line of its own, which
      // may come before or after the release (then the pool's idle listener has it).
      expect(lines[0]).toEqual({
        level: 'warn',
        obj: { err: { message: 'terminating connection due to administrator command', code: '57P01' } },
        msg: 'database session lost',
      });
      const [{ pid }] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(pid).not.toBe(pidBefore);
    });
  });

  it('an idle pooled connection that is lost logs "idle database connection lost" once, and no session listener is left on it', async () => {
    await withDatabase(async (db, lines) => {
      const pid = await db.withSession(async ({ query }) => (await query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0].pid);
      await backend.query('SELECT pg_terminate_backend($1)', [pid]);
      await until(async () => lines.length > 0, 'the idle connection error to be logged', 10_000);
      expect(lines).toEqual([
        { level: 'warn', obj: { err: { message: 'terminating connection due to administrator command', code: '57P01' } }, msg: 'idle database connection lost' },
      ]);
      expect(await db.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
    });
  });

  it('withSnapshot: one REPEATABLE READ READ ONLY transaction, committed when the work succeeds', async () => {
    await withDatabase(async (db) => {
      await db.withSession(({ exec }) => exec('CREATE TEMP TABLE snapshot_rows (n int)'));
      const inside = await db.withSnapshot(async ({ query }) => {
        // A temporary table may be written in a read-only transaction: the write shows whether it was committed.
        await query('INSERT INTO snapshot_rows VALUES (1)');
        const [row] = await query<Record<string, string>>(
          "SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS ro",
        );
        return row;
      });
      expect(inside).toEqual({ isolation: 'repeatable read', ro: 'on' });
      const after = await db.withSession(async ({ query }) => ({
        rows: await query('SELECT n FROM snapshot_rows'),
        settings: (await query("SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS ro"))[0],
      }));
      expect(after).toEqual({ rows: [{ n: 1 }], settings: { isolation: 'read committed', ro: 'off' } });
    });
  });

  it('withSnapshot: a failing work is rolled back and its own error rethrown', async () => {
    await withDatabase(async (db) => {
      await db.withSession(({ exec }) => exec('CREATE TEMP TABLE rollback_rows (n int)'));
      const failure = new Error('the export failed');
      const error = await rejection(
        db.withSnapshot(async ({ query }) => {
          await query('INSERT INTO rollback_rows VALUES (1)');
          throw failure;
        }),
      );
      expect(error).toBe(failure);
      const after = await db.withSession(async ({ query }) => ({
        rows: await query('SELECT n FROM rollback_rows'),
        ro: (await query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro"))[0].ro,
      }));
      expect(after).toEqual({ rows: [], ro: 'off' });
    });
  });

  it('withSnapshot: when the connection died in the work, the failed ROLLBACK does not hide the work’s error', async () => {
    await withDatabase(async (db) => {
      const error = await rejection(db.withSnapshot(({ query }) => query('SELECT pg_terminate_backend(pg_backend_pid())')));
      expect(error).toBeInstanceOf(database().DatabaseUnavailableError);
      expect(error).toMatchObject({ cause: { code: '57P01' } });
      expect(await db.query('SELECT 4 AS four')).toEqual([{ four: 4 }]);
    });
  });

  it('close() ends the pool: a later query is DatabaseUnavailableError', async () => {
    const { log } = recordingLog();
    const db = await database().createPostgresDatabase(config(), log);
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.close();
    const error = await rejection(db.query('SELECT 1 AS one'));
    expect(error).toBeInstanceOf(database().DatabaseUnavailableError);
  });

  it('createDatabase picks the pg pool for a postgres config', async () => {
    const { log, lines } = recordingLog();
    const db = await database().createDatabase(config(), log);
    try {
      expect(db.kind).toBe('postgres');
      expect(await db.query('SELECT 5 AS five')).toEqual([{ five: 5 }]);
      expect(lines).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('createPgliteDatabase', () => {
  it('createDatabase picks PGlite for a pglite config, logs that data is not durable and where it lives; queries take parameters or none', async () => {
    const { log, lines } = recordingLog();
    const db = await database().createDatabase({ kind: 'pglite' }, log);
    try {
      expect(db.kind).toBe('pglite');
      expect(lines).toEqual([
        { level: 'info', obj: { database: 'pglite', dataDir: 'memory' }, msg: 'no database configured: using embedded PGlite (data is not durable)' },
      ]);
      expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(await db.query('SELECT $1::int * 2 AS twice', [21])).toEqual([{ twice: 42 }]);
    } finally {
      await db.close();
    }
  });

  it('serializes sessions (one runs to its end before the next starts), also after one fails', async () => {
    const { log } = recordingLog();
    const db = await database().createPgliteDatabase(log);
    try {
      const events: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const first = db.withSession(async ({ exec }) => {
        events.push('first start');
        await exec('CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
        await held;
        events.push('first end');
        throw new Error('first failed');
      });
      const second = db.withSession(async ({ query }) => {
        events.push('second start');
        return query<{ n: number }>('SELECT n FROM t');
      });
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(events).toEqual(['first start']);
      release();
      await expect(first).rejects.toThrow('first failed');
      expect(await second).toEqual([{ n: 1 }]);
      expect(events).toEqual(['first start', 'first end', 'second start']);
    } finally {
      await db.close();
    }
  });

  it('withSnapshot runs in a REPEATABLE READ READ ONLY transaction, with parameters and scripts', async () => {
    const { log } = recordingLog();
    const db = await database().createPgliteDatabase(log);
    try {
      const row = await db.withSnapshot(async ({ query, exec }) => {
        await exec('SELECT 1; SELECT 2');
        return (await query<Record<string, string>>(
          "SELECT current_setting('transaction_isolation') AS isolation, current_setting('transaction_read_only') AS ro, $1::text AS p",
          ['x'],
        ))[0];
      });
      expect(row).toEqual({ isolation: 'repeatable read', ro: 'on', p: 'x' });
      const after = await db.query<{ ro: string }>("SELECT current_setting('transaction_read_only') AS ro");
      expect(after).toEqual([{ ro: 'off' }]);
    } finally {
      await db.close();
    }
  });
});

describe('createPostgresDatabase following a Secrets Manager secret (client mocked, server refusal raised as 28P01)', () => {
  const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bulwark-db-AbCdEf';
  const secretsManager = mockClient(SecretsManagerClient);
  beforeEach(() => secretsManager.reset());
  afterAll(() => secretsManager.restore());
  const refusal = raise('password authentication failed for user "app"', '28P01');

  it('a refused password is a 503 while the secret is re-read with a client for the secret’s region, at most 2 attempts', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'app', password: 'rotated' }) });
    await withDatabase(
      async (db, lines) => {
        const error = await rejection(db.query(refusal));
        expect(error).toBeInstanceOf(database().DatabaseUnavailableError);
        expect(error).toMatchObject({ cause: { code: '28P01' } });
        await until(async () => lines.length > 0, 'the secret to be re-read', 10_000);
        expect(secretsManager.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: SECRET_ARN }]);
        const client = secretsManager.send.getCall(0).thisValue as SecretsManagerClient;
        expect(await client.config.region()).toBe('eu-west-2');
        expect(await client.config.maxAttempts()).toBe(2);
        // Connections wait for a re-read: it is kept near the pool's 2 s connect timeout.
        const handler = client.config.requestHandler as unknown as { configProvider: Promise<Record<string, unknown>> };
        expect(await handler.configProvider).toMatchObject({ connectionTimeout: 1_000, requestTimeout: 2_000 });
        expect(lines).toEqual([{ level: 'info', obj: { secretId: SECRET_ARN }, msg: 'database password refused; new password read from the secret' }]);
        // Other errors are classified as without a secret.
        expect(await rejection(db.query('SELEC 2'))).toMatchObject({ code: '42601' });
        expect(await rejection(db.query(raise('down', '57P01')))).toBeInstanceOf(database().DatabaseUnavailableError);
        expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      },
      { user: 'app', password: 'initial', credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-2' } },
    );
  });

  it('the provider is told the configured user: a secret naming another user is not adopted', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'someone_else', password: 'rotated' }) });
    await withDatabase(
      async (db, lines) => {
        expect(await rejection(db.query(refusal))).toBeInstanceOf(database().DatabaseUnavailableError);
        await until(async () => lines.length > 0, 'the secret to be re-read', 10_000);
        expect(lines).toEqual([
          {
            level: 'warn',
            obj: { secretId: SECRET_ARN, user: 'app' },
            msg: 'database password refused; the secret names another user, which needs a new task (only single-user rotation is followed)',
          },
        ]);
      },
      { user: 'app', password: 'initial', credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-1' } },
    );
  });

  it('the provider starts from the configured password: a secret still holding it is "the same password"', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ password: 'initial' }) });
    await withDatabase(
      async (db, lines) => {
        expect(await rejection(db.query(refusal))).toBeInstanceOf(database().DatabaseUnavailableError);
        await until(async () => lines.length > 0, 'the secret to be re-read', 10_000);
        expect(lines).toEqual([
          { level: 'warn', obj: { secretId: SECRET_ARN, retryAfterMs: 10_000 }, msg: 'database password refused; the secret still holds the same password' },
        ]);
      },
      { user: 'app', password: 'initial', credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-1' } },
    );
  });

  it('without user and password in the config, the provider has empty ones (a secret naming a user is another user)', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'app', password: 'rotated' }) });
    await withDatabase(
      async (db, lines) => {
        expect(await rejection(db.query(refusal))).toBeInstanceOf(database().DatabaseUnavailableError);
        await until(async () => lines.length > 0, 'the secret to be re-read', 10_000);
        expect(lines).toEqual([expect.objectContaining({ level: 'warn', obj: { secretId: SECRET_ARN, user: '' } })]);
      },
      { credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-1' } },
    );
  });

  it('in a session, a refused password is not given to the provider (the pool connects; sessions only classify)', async () => {
    await withDatabase(
      async (db) => {
        const error = await rejection(db.withSession(({ query }) => query(refusal)));
        expect(error).toMatchObject({ code: '28P01' });
        expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(0);
      },
      { user: 'app', password: 'initial', credentialsSecret: { arn: SECRET_ARN, region: 'eu-west-1' } },
    );
  });
});
