import { collapseCidrs, compareCidrs, containsCidr, type Cidr } from './cidr';

export interface Selection {
  /** Collapsed CIDRs for one IP set, sorted by network address. */
  readonly cidrs: Cidr[];
  /** Collapsed CIDRs left out to respect the cap. */
  readonly truncatedCount: number;
}

/** Index of the last sorted, disjoint CIDR whose network is at or below `network`, or -1. */
function floorIndex(sorted: readonly Cidr[], network: bigint): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle].network <= network) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * Collapses the operator and reputation CIDRs of one address family into at most
 * `maxEntries` blocks. When over the cap the subset is deterministic: blocks holding an
 * operator entry first (the operator asked for them by name), then the widest blocks
 * (most addresses per entry), then by address.
 */
export function selectForIpSet(operator: readonly Cidr[], reputation: readonly Cidr[], maxEntries: number): Selection {
  const collapsed = collapseCidrs([...operator, ...reputation]);
  if (collapsed.length <= maxEntries) return { cidrs: collapsed, truncatedCount: 0 };

  // The collapsed blocks are disjoint and sorted, so each operator CIDR lies inside exactly one of them.
  const holdsOperatorEntry = new Set<number>();
  for (const cidr of operator) {
    const index = floorIndex(collapsed, cidr.network);
    if (index >= 0 && containsCidr(collapsed[index], cidr)) holdsOperatorEntry.add(index);
  }
  const ranked = collapsed
    .map((cidr, index) => ({ cidr, priority: holdsOperatorEntry.has(index) ? 0 : 1 }))
    .sort((left, right) => left.priority - right.priority || left.cidr.prefixLength - right.cidr.prefixLength || compareCidrs(left.cidr, right.cidr));
  const kept = ranked.slice(0, maxEntries).map((entry) => entry.cidr);
  return { cidrs: kept.sort(compareCidrs), truncatedCount: collapsed.length - maxEntries };
}
