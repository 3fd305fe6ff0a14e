import { describe, expect, it } from 'vitest';
import { shrinkRefusal } from '../../../lambda/ip-set-sync/ip-set-writer';

// The guard starts at a set of 10 entries: one that size is already guarded, one entry
// fewer is hand-curated and may lose any share of its entries.
describe('the shrink guard threshold of 10 entries', () => {
  it('guards a set of exactly 10: removing 3 of 10 is more than a quarter', () => {
    expect(shrinkRefusal({ currentCount: 10, added: 0, removed: 3 }, 7, 0.25)).toBe('would remove 3 of 10 entries, more than the allowed fraction 0.25');
  });

  it('allows exactly the fraction from a set of 10 (2 of 10 at a fifth)', () => {
    expect(shrinkRefusal({ currentCount: 10, added: 0, removed: 2 }, 8, 0.2)).toBeUndefined();
  });

  it('does not guard a set of 9, however much it loses short of emptying', () => {
    expect(shrinkRefusal({ currentCount: 9, added: 0, removed: 3 }, 6, 0.25)).toBeUndefined();
  });
});
