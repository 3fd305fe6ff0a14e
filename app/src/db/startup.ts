/**
 * Bringing the database up without taking the process down. A task that starts while
 * the database is unreachable (or its database does not exist yet, or another task holds
 * a lock its migration needs) stays alive: liveness keeps answering, data routes and
 * readiness answer 503, and connecting + migrating is retried with capped exponential
 * backoff, one log line per attempt, until it succeeds or the app closes.
 */
import { DatabaseUnavailableError, type Database, type Session } from './database';

/** Queries before the schema is known to be migrated: 503, like an outage. */
export class DatabaseNotReadyError extends DatabaseUnavailableError {
  constructor() {
    super(new Error('database not connected and migrated yet'));
  }
}

export interface BackoffSettings {
  /** Wait after the first failure. @default 500 ms */
  readonly initialDelayMs?: number;
  /** The wait doubles up to this. @default 15 000 ms */
  readonly maxDelayMs?: number;
}

export interface StartupLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** `database`, with every query refused (DatabaseNotReadyError) until `open()`. */
export class GatedDatabase implements Database {
  private ready = false;
  readonly kind: Database['kind'];

  constructor(private readonly inner: Database) {
    this.kind = inner.kind;
  }

  get isReady(): boolean {
    return this.ready;
  }

  open(): void {
    this.ready = true;
  }

  readonly query: Database['query'] = (sql, params) => (this.ready ? this.inner.query(sql, params) : Promise.reject(new DatabaseNotReadyError()));

  withSession<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.ready ? this.inner.withSession(work) : Promise.reject(new DatabaseNotReadyError());
  }

  withSnapshot<T>(work: (session: Session) => Promise<T>): Promise<T> {
    return this.ready ? this.inner.withSnapshot(work) : Promise.reject(new DatabaseNotReadyError());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Runs `prepare` (connect and migrate) until it succeeds, then opens the gate. The first
 * attempt is awaited, so on a healthy start the app is ready when it starts listening;
 * later attempts run in the background. `stop()` ends the retries (app close).
 */
export class DatabaseStartup {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempt = 0;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly gate: GatedDatabase,
    private readonly prepare: () => Promise<void>,
    private readonly log: StartupLogger,
    backoff: BackoffSettings = {},
  ) {
    this.initialDelayMs = backoff.initialDelayMs ?? 500;
    this.maxDelayMs = backoff.maxDelayMs ?? 15_000;
  }

  /** Resolves after the first attempt, whatever its outcome. */
  async start(): Promise<void> {
    await this.tryOnce();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async tryOnce(): Promise<void> {
    if (this.stopped) return;
    this.attempt += 1;
    try {
      await this.prepare();
      if (this.stopped) return;
      this.gate.open();
      if (this.attempt > 1) this.log.info({ attempt: this.attempt }, 'database ready after retrying');
    } catch (error) {
      if (this.stopped) return;
      const retryInMs = Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** (this.attempt - 1));
      const { message, code } = error as { message?: string; code?: string };
      this.log.warn({ attempt: this.attempt, retryInMs, err: { message, code } }, 'database not ready; retrying');
      this.timer = setTimeout(() => void this.tryOnce(), retryInMs);
    }
  }
}
