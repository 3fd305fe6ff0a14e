/** Error names the RDS API (and the SDK's own throttling layer) use for "slow down". */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

export interface RetryOptions {
  /** Injected so tests do not wait; defaults to a real timer. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SDK already retries a throttled call a few times; this outer layer exists because one
 * run makes many calls in a burst (one copy per snapshot, one delete per expired copy), and a
 * throttled copy should wait and succeed rather than turn into a failed run. Five attempts
 * with full jitter, capped at 8 s, bound one call's extra wait to about 15 s.
 */
export const DEFAULT_RETRY_OPTIONS: RetryOptions = {
  sleep: realSleep,
  random: Math.random,
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
};

export function errorName(error: unknown): string {
  if (error && typeof error === 'object' && 'name' in error && typeof error.name === 'string') return error.name;
  return 'Error';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isThrottling(error: unknown): boolean {
  return THROTTLING_ERROR_NAMES.has(errorName(error));
}

/** Runs `call`, retrying only throttling errors with capped exponential backoff and full jitter. */
export async function withThrottlingRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= options.maxAttempts) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      await options.sleep(Math.floor(options.random() * ceiling));
    }
  }
}
