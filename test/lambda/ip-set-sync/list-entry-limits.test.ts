import { describe, expect, it } from 'vitest';
import { formatCidr } from '../../../lambda/ip-set-sync/cidr';
import { parseEntryList } from '../../../lambda/ip-set-sync/list-parser';

describe('parseEntryList limits', () => {
  // The widest block a feed may ask for is a /8 (IPv4) or a /16 (IPv6); one bit wider is garbage.
  it('accepts a /8 and a /16, and rejects a /7 and a /15', () => {
    const parsed = parseEntryList(['10.0.0.0/8', '2001:db8::/16', '10.0.0.0/7', '2000::/15'].join('\n'));
    expect(parsed.cidrs.map(formatCidr)).toEqual(['10.0.0.0/8', '2001::/16']);
    expect(parsed.rejectedSamples).toEqual(['10.0.0.0/7', '2000::/15']);
  });

  it('keeps the first 80 characters of a long rejected entry for the log', () => {
    const long = `${'a'.repeat(80)}${'b'.repeat(40)}`;
    expect(parseEntryList(long).rejectedSamples).toEqual(['a'.repeat(80)]);
  });
});
