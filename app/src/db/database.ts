/**
 * The one interface the repository and migrations talk to, with two implementations:
 * a `pg` pool (PostgreSQL / Aurora) and an embedded PGlite (no database configured).
 * Both speak the same SQL with `$n` parameters.
 */
import type { PoolConfig } from 'pg';
import type { DatabaseConfig } from '../config';

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
  close(): Promise<void>;
}

/** The database cannot be reached or is going away: clients get 503, never the driver text. */
export class DatabaseUnavailableError extends Error {
  constructor(readonly cause: unknown) {
    super('database unavailable');
  }
}

// SQLSTATE classes/codes that mean "the server is unreachable or shutting down", not "your query is wrong".
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4]|58)/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Query read timeout|Client was closed|Cannot use a pool after calling end/i;

export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const err = error as { code?: unknown; message?: unknown } | undefined;
  if (!err) return false;
  if (typeof err.code === 'string' && (UNAVAILABLE_SQLSTATE.test(err.code) || UNAVAILABLE_NODE_CODES.has(err.code))) return true;
  return typeof err.message === 'string' && UNAVAILABLE_MESSAGES.test(err.message);
}

function classify(error: unknown): never {
  throw isUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}

export interface DatabaseLogger {
  warn(obj: object, msg: string): void;
  info(obj: object | string, msg?: string): void;
}

type PostgresConfig = Extract<DatabaseConfig, { kind: 'postgres' }>;

export function poolConfig(config: PostgresConfig): PoolConfig {
  return {
    connectionString: config.connectionString,
    host: config.host,
    port: config.port,
    user: config.user,
    password: config.password,
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

export async function createPostgresDatabase(config: PostgresConfig, log: DatabaseLogger): Promise<Database> {
  const { Pool } = await import('pg');
  const pool = new Pool(poolConfig(config));
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => log.warn({ err: { message: error.message, code: (error as { code?: string }).code } }, 'idle database connection lost'));

  const query: Query = async <Row>(sql: string, params: readonly unknown[] = []) => {
    try {
      return (await pool.query(sql, params as unknown[])).rows as Row[];
    } catch (error) {
      return classify(error);
    }
  };

  return {
    kind: 'postgres',
    query,
    async withSession(work) {
      const client = await pool.connect().catch(classify);
      let broken = false;
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
        client.release(broken);
      }
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
    close: () => db.close(),
  };
}

export function createDatabase(config: DatabaseConfig, log: DatabaseLogger): Promise<Database> {
  return config.kind === 'postgres' ? createPostgresDatabase(config, log) : createPgliteDatabase(log);
}
