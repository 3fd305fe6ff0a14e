import { RDSClient, type RDSClientConfig } from '@aws-sdk/client-rds';

/**
 * Attempts per RDS call, the first included. One run sends a burst (a copy per missing
 * snapshot, a delete per expired copy, a tag read per copy listed without tags), and a
 * throttled copy should wait and succeed rather than fail the run. The SDK retries only what
 * it classifies as throttling or transient; its throttling backoff (full jitter from 500 ms,
 * doubling) bounds one call's extra wait to 0.5 + 1 + 2 + 4 + 8 = 15.5 s over six attempts,
 * well inside the function's five-minute timeout for a run of a few calls.
 */
export const RDS_MAX_ATTEMPTS = 6;

/**
 * An RDS client with the copier's retry policy, configured once here rather than around each
 * call: adaptive mode is the standard strategy (exponential backoff, a retry quota) plus a
 * client-side token bucket that slows the whole client down after throttling, which is what
 * a burst of calls needs. `overrides` is for tests (a tiny backoff through `retryStrategy`).
 */
export function createRdsClient(region: string, overrides: Partial<RDSClientConfig> = {}): RDSClient {
  return new RDSClient({ region, maxAttempts: RDS_MAX_ATTEMPTS, retryMode: 'adaptive', ...overrides });
}
