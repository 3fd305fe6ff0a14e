import { GetIPSetCommand, UpdateIPSetCommand, WAFOptimisticLockException, type WAFV2Client } from '@aws-sdk/client-wafv2';
import { normaliseCidr } from './cidr';
import type { IpSetRef } from './config';

/** Below this many entries the shrink guard does not apply: a small set is hand-curated, and a fraction of it is one or two entries. */
export const SHRINK_GUARD_MIN_ENTRIES = 10;
export const DEFAULT_LOCK_ATTEMPTS = 5;
export const DEFAULT_LOCK_BACKOFF_MS = 200;

export interface WriteOptions {
  readonly maxShrinkFraction: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Attempts in total, each starting with a fresh GetIPSet. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt; doubles for each later one. */
  readonly backoffMs?: number;
}

export type WriteStatus = 'unchanged' | 'updated' | 'shrink-refused';

export interface WriteOutcome {
  readonly status: WriteStatus;
  /** Entries in the set when the run finished. */
  readonly entryCount: number;
  readonly added: number;
  readonly removed: number;
  readonly attempts: number;
  readonly refusal?: string;
}

export interface SetDifference {
  readonly currentCount: number;
  readonly added: number;
  readonly removed: number;
}

/**
 * Compares on canonical text so an equivalent spelling in the set is not a change; an
 * entry that does not parse is compared verbatim, so the update removes it.
 */
export function differenceOf(current: readonly string[], desired: readonly string[]): SetDifference {
  const currentSet = new Set(current.map((address) => normaliseCidr(address) ?? address));
  const desiredSet = new Set(desired);
  let added = 0;
  for (const address of desiredSet) if (!currentSet.has(address)) added++;
  let removed = 0;
  for (const address of currentSet) if (!desiredSet.has(address)) removed++;
  return { currentCount: currentSet.size, added, removed };
}

/**
 * Why an update must not be applied, or undefined when it may be. An empty desired list
 * never wipes a non-empty set; otherwise a set of at least SHRINK_GUARD_MIN_ENTRIES may
 * lose at most `maxShrinkFraction` of its entries in one run.
 */
export function shrinkRefusal(difference: SetDifference, desiredCount: number, maxShrinkFraction: number): string | undefined {
  const { currentCount, removed } = difference;
  if (desiredCount === 0 && currentCount > 0) return `would empty a set of ${currentCount} entries`;
  if (currentCount >= SHRINK_GUARD_MIN_ENTRIES && removed > currentCount * maxShrinkFraction) {
    return `would remove ${removed} of ${currentCount} entries, more than the allowed fraction ${maxShrinkFraction}`;
  }
  return undefined;
}

function isLockConflict(error: unknown): boolean {
  return error instanceof WAFOptimisticLockException || (error instanceof Error && error.name === 'WAFOptimisticLockException');
}

/**
 * Makes the IP set hold exactly `desired` (canonical CIDR text): GetIPSet, compare, and
 * UpdateIPSet with the LockToken only when something changed. UpdateIPSet replaces the
 * whole list, so the set is never half-updated. A lock conflict (someone else updated the
 * set in between) is retried with exponential backoff, re-reading and re-judging the set
 * each time. Other errors, and running out of attempts, throw.
 */
export async function syncIpSet(client: Pick<WAFV2Client, 'send'>, ref: IpSetRef, desired: readonly string[], options: WriteOptions): Promise<WriteOutcome> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_LOCK_ATTEMPTS;
  const backoffMs = options.backoffMs ?? DEFAULT_LOCK_BACKOFF_MS;
  const target = { Name: ref.name, Id: ref.id, Scope: ref.scope };
  for (let attempt = 1; ; attempt++) {
    const { IPSet, LockToken } = await client.send(new GetIPSetCommand(target));
    if (!IPSet || !LockToken) throw new Error(`GetIPSet returned no IP set or lock token for ${ref.name}`);
    const difference = differenceOf(IPSet.Addresses ?? [], desired);
    if (difference.added === 0 && difference.removed === 0) {
      return { status: 'unchanged', entryCount: difference.currentCount, added: 0, removed: 0, attempts: attempt };
    }
    const refusal = shrinkRefusal(difference, desired.length, options.maxShrinkFraction);
    if (refusal) {
      return { status: 'shrink-refused', entryCount: difference.currentCount, added: 0, removed: 0, attempts: attempt, refusal };
    }
    try {
      // UpdateIPSet resets every field it is not given, so the description is carried over
      // (only when set: WAF refuses an empty one).
      const description = IPSet.Description ? { Description: IPSet.Description } : {};
      await client.send(new UpdateIPSetCommand({ ...target, ...description, Addresses: [...desired], LockToken }));
      return { status: 'updated', entryCount: desired.length, added: difference.added, removed: difference.removed, attempts: attempt };
    } catch (error) {
      if (!isLockConflict(error) || attempt >= maxAttempts) throw error;
      await options.sleep(backoffMs * 2 ** (attempt - 1));
    }
  }
}
