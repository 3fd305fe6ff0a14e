/**
 * Database credentials that follow a Secrets Manager rotation. ECS injects the secret
 * only when a task starts, so after a rotation the pool's next new connection is refused
 * with 28P01 (invalid_password) while the connections it already holds keep working.
 * That refusal, and only that, re-reads the secret: one GetSecretValue in flight at a
 * time and at most one per `minRefreshIntervalMs`, so fifty refused connections cost one
 * call, and a secret whose AWSCURRENT has not moved yet is not hammered.
 *
 * Only the password follows the secret. pg fixes the user name when it opens a
 * connection, and single-user rotation never changes it; a secret naming another user
 * (multi-user rotation) is not adopted and says so in the log.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isPasswordRefused } from './database';

export const DEFAULT_MIN_REFRESH_INTERVAL_MS = 10_000;

export interface CredentialsLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface RotatingCredentialsOptions {
  readonly client: SecretsManagerClient;
  /** The secret's ARN (or name). */
  readonly secretId: string;
  /** The user the pool connects as (DB_USERNAME). */
  readonly user: string;
  /** What the task started with (DB_PASSWORD), so startup makes no call to Secrets Manager. */
  readonly initialPassword: string;
  readonly log: CredentialsLogger;
  /** Least time between two reads of the secret. @default 10 000 ms */
  readonly minRefreshIntervalMs?: number;
  /** The clock, for tests. @default Date.now */
  readonly now?: () => number;
}

type ParsedSecret = { readonly password: string; readonly user?: string } | { readonly problem: string };

/** The `password` (and `username`, if present) fields of the secret's JSON. */
function parseSecret(secretString: string | undefined): ParsedSecret {
  if (secretString === undefined) return { problem: 'the secret has no SecretString' };
  let fields: unknown;
  try {
    fields = JSON.parse(secretString);
  } catch {
    return { problem: 'the SecretString is not JSON' };
  }
  const { password, username } = (typeof fields === 'object' && fields !== null ? fields : {}) as Record<string, unknown>;
  if (typeof password !== 'string' || password === '') return { problem: 'the secret has no "password" string field' };
  if (username !== undefined && typeof username !== 'string') return { problem: 'the secret\'s "username" field is not a string' };
  return { password, user: username };
}

export class RotatingCredentials {
  private currentPassword: string;
  private refreshing: Promise<void> | undefined;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  private readonly minRefreshIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RotatingCredentialsOptions) {
    this.currentPassword = options.initialPassword;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? DEFAULT_MIN_REFRESH_INTERVAL_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * pg's `password` option, called for every new connection. A connection opened while
   * the secret is being re-read waits for the result rather than trying the refused
   * password again.
   */
  readonly password = async (): Promise<string> => {
    await this.refreshing;
    return this.currentPassword;
  };

  /**
   * Report a failed connection attempt. When the server refused the password, re-read
   * the secret (single flight, rate limited); the promise settles when that read is done
   * and never rejects: on any problem the current password stays.
   */
  connectionFailed(error: unknown): Promise<void> {
    if (!isPasswordRefused(error)) return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    const now = this.now();
    if (now - this.lastReadAt < this.minRefreshIntervalMs) return Promise.resolve();
    this.lastReadAt = now;
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refresh(): Promise<void> {
    const { client, secretId, user, log } = this.options;
    let secretString: string | undefined;
    try {
      secretString = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (error) {
      const { name, message } = error as Error;
      log.warn({ secretId, err: { name, message } }, 'database password refused; reading the secret failed, keeping the current password');
      return;
    }
    const parsed = parseSecret(secretString);
    if ('problem' in parsed) {
      log.warn({ secretId, problem: parsed.problem }, 'database password refused; the secret is unusable, keeping the current password');
      return;
    }
    if (parsed.user !== undefined && parsed.user !== user) {
      log.warn({ secretId, user }, 'database password refused; the secret names another user, which needs a new task (only single-user rotation is followed)');
      return;
    }
    if (parsed.password === this.currentPassword) {
      // Rotation sets the new password before it moves AWSCURRENT; the next refusal after
      // the interval reads again.
      log.warn({ secretId, retryAfterMs: this.minRefreshIntervalMs }, 'database password refused; the secret still holds the same password');
      return;
    }
    this.currentPassword = parsed.password;
    log.info({ secretId }, 'database password refused; new password read from the secret');
  }
}
