/**
 * The one interface the repository and migrations talk to, with two implementations:
 * a `pg` pool (PostgreSQL / Aurora) and an embedded PGlite (no database configured).
 * Both speak the same SQL with `$n` parameters.
 */
import type { PoolConfig } from 'pg';
import type { DatabaseConfig } from '../config';
import type { RotatingCredentials } from './credentials';

export type Query = <Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<Row[]>;

export interface Session {
  readonly query: Query;
  /** Runs a multi-statement script without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly query: Query;
  /**
   * Run `work` on one dedicated connection (advisory locks are per session), with a
   * `query` bound to that connection.
   */
  withSession<T>(work: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Run `work` inside one REPEATABLE READ READ ONLY transaction: every query sees the same
   * snapshot, however long `work` takes (a streamed export).
   */
  withSnapshot<T>(work: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database cannot be reached or is going away: clients get 503, never the driver text. */
export class DatabaseUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super('database unavailable');
  }
}

/**
 * Every connection of the pool is busy and none came free within the acquisition timeout:
 * the database is fine, this task is saturated. Its own 503, log line and metric, so an
 * operator does not chase a database outage that is not there.
 */
export class PoolExhaustedError extends Error {
  constructor(readonly cause: unknown) {
    super('database pool exhausted');
  }
}

/**
 * A stable name per SQL text, so each pooled connection prepares a statement once and then
 * only binds and executes it: the server skips parsing and planning on the hot path. The
 * app's SQL is a fixed set of constants, so the map stays small.
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `bulwark_${statementNames.size}`;
    statementNames.set(sql, name);
  }
  return name;
}

// SQLSTATE classes/codes that mean "the server is unreachable or shutting down", not "your query is wrong".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4]|58)/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg-pool's message when a checkout waited connectionTimeoutMillis in the queue of a full pool.
const POOL_EXHAUSTED_MESSAGE = /^timeout exceeded when trying to connect$/;
const UNAVAILABLE_MESSAGES = /Connection terminated|Client has encountered a connection error|Connection ended|Query read timeout|Client was closed|Cannot use a pool after calling end/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const err = error as { code?: unknown; message?: unknown } | undefined;
  if (!err) return false;
  if (typeof err.code === 'string' && (UNAVAILABLE_SQLSTATE.test(err.code) || UNAVAILABLE_NODE_CODES.has(err.code))) return true;
  return typeof err.message === 'string' && UNAVAILABLE_MESSAGES.test(err.message);
}

function classify(error: unknown): never {
  // Stryker disable next-line StringLiteral: the fallback only stands in for a missing message; '' and any other text but pg-pool's exact one are equally "not exhausted"
  if (POOL_EXHAUSTED_MESSAGE.test((error as Error | undefined)?.message ?? '')) throw new PoolExhaustedError(error);
  throw isUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}

/** SQLSTATE invalid_password: the server refused the credentials (e.g. after a rotation). */
export function isPasswordRefused(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === '28P01';
}

export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  info(obj: object | string, msg?: string): void;
}

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

export function poolConfig(config: PostgresConfig, credentials?: RotatingCredentials): PoolConfig {
  return {
    connectionString: config.connectionString,
    host: config.host,
    port: config.port,
    user: config.user,
    // pg calls a function for every new connection, so a refreshed password applies to the next one.
    password: credentials?.password ?? config.password,
    database: config.database,
    max: config.poolSize,
    // Fail fast while the database is away so requests get a 503 instead of queueing.
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
    query_timeout: 10_000,
    statement_timeout: 5_000,
    keepAlive: true,
    application_name: 'bulwark-app',
    ssl: config.ssl.mode === 'disable' ? false : { ca: [...config.ssl.ca], rejectUnauthorized: true },
  };
}

/** With `credentialsSecret` set: the password follows the secret's rotation. */
async function rotatingCredentials(config: PostgresConfig, log: DatabaseLogger): Promise<RotatingCredentials | undefined> {
  const secret = config.credentialsSecret;
  if (!secret) return undefined;
  const [{ SecretsManagerClient }, { RotatingCredentials }] = await Promise.all([import('@aws-sdk/client-secrets-manager'), import('./credentials')]);
  // Connections opened during a re-read wait for it, so keep it near the pool's 2 s connect timeout.
  const client = new SecretsManagerClient({ region: secret.region, maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 } });
  return new RotatingCredentials({
    client,
    secretId: secret.arn,
    user: config.user ?? '',
    // Stryker disable next-line StringLiteral: loadConfig requires DB_PASSWORD whenever DB_SECRET_ARN is set, so the fallback is never taken
    initialPassword: config.password ?? '',
    log,
  });
}

export async function createPostgresDatabase(config: PostgresConfig, log: DatabaseLogger): Promise<Database> {
  const { Pool } = await import('pg');
  const credentials = await rotatingCredentials(config, log);
  const pool = new Pool(poolConfig(config, credentials));
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'idle database connection lost'));

  // A refused password is a rotation in progress when the secret is followed: 503 while it is re-read.
  const fail = (error: unknown): never => {
    if (credentials && isPasswordRefused(error)) {
      void credentials.connectionFailed(error);
      throw new DatabaseUnavailableError(error);
    }
    return classify(error);
  };

  const query: Query = async <Row>(sql: string, params: readonly unknown[] = []) => {
    try {
      return (await pool.query({ name: statementName(sql), text: sql, values: params as unknown[] })).rows as Row[];
    } catch (error) {
      return fail(error);
    }
  };

  const withSession = async <T>(work: (session: Session) => Promise<T>): Promise<T> => {
    const client = await pool.connect().catch(fail);
    let broken = false;
    // The pool listens for errors only on idle clients: a session the server ends while
    // it is checked out (shutdown, idle_in_transaction_session_timeout) would otherwise
    // be an unhandled 'error' event, which ends the process.
    const onSessionError = (error: Error): void => {
      // Stryker disable next-line BooleanLiteral: equivalent with pg 8: a client marks itself unqueryable before it emits 'error', and the pool discards such a client on release whatever `broken` says; kept in case that changes
      broken = true;
      log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'database session lost');
    };
    client.on('error', onSessionError);
    try {
      const sessionQuery: Query = async <Row>(sql: string, params: readonly unknown[] = []) => {
        try {
          // No parameters → simple protocol, which also runs multi-statement scripts.
          return (await client.query(sql, params.length ? (params as unknown[]) : undefined)).rows as Row[];
        } catch (error) {
          broken = isUnavailable(error);
          return classify(error);
        }
      };
      return await work({ query: sessionQuery, exec: async (sql) => void (await sessionQuery(sql)) });
    } finally {
      client.removeListener('error', onSessionError);
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    query,
    withSession,
    withSnapshot(work) {
      return withSession(async (session) => {
        await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          const result = await work(session);
          await session.query('COMMIT');
          return result;
        } catch (error) {
          await session.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    },
    close: () => pool.end(),
  };
}

export async function createPgliteDatabase(log: DatabaseLogger, dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir);
  log.info({ database: 'pglite', dataDir: dataDir ?? 'memory' }, 'no database configured: using embedded PGlite (data is not durable)');
  const query: Query = async <Row>(sql: string, params: readonly unknown[] = []) =>
    (await db.query(sql, params as unknown[])).rows as Row[];
  // PGlite is one session; serialise sessions so an advisory-locked block is not interleaved.
  let sessionQueue: Promise<unknown> = Promise.resolve();
  return {
    kind: 'pglite',
    query,
    withSession(work) {
      const run = sessionQueue.then(() => work({ query, exec: async (sql) => void (await db.exec(sql)) }));
      sessionQueue = run.catch(() => undefined);
      return run;
    },
    // PGlite's transaction() holds its one connection: other queries wait until it ends.
    withSnapshot(work) {
      return db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const txQuery: Query = async <Row>(sql: string, params: readonly unknown[] = []) => (await tx.query(sql, params as unknown[])).rows as Row[];
        return work({ query: txQuery, exec: async (sql) => void (await tx.exec(sql)) });
      });
    },
    close: () => db.close(),
  };
}

export function createDatabase(config: DatabaseConfig, log: DatabaseLogger): Promise<Database> {
  return config.kind === 'postgres' ? createPostgresDatabase(config, log) : createPgliteDatabase(log);
}
