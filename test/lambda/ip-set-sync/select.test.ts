import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsCidr, formatCidr, parseCidr, type Cidr } from '../../../lambda/ip-set-sync/cidr';
import { selectForIpSet } from '../../../lambda/ip-set-sync/select';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(text);
  return parsed.cidr;
}

const cidrs = (...texts: string[]) => texts.map(cidr);

describe('selectForIpSet', () => {
  it('collapses operator and reputation entries together when under the cap', () => {
    const selection = selectForIpSet(cidrs('192.0.2.0/25'), cidrs('192.0.2.128/25', '192.0.2.7', '198.51.100.1'), 10);
    expect(selection.cidrs.map(formatCidr)).toEqual(['192.0.2.0/24', '198.51.100.1/32']);
    expect(selection.truncatedCount).toBe(0);
  });

  it('over the cap keeps blocks holding operator entries first, then the widest, then by address', () => {
    const operator = cidrs('203.0.113.5');
    const reputation = cidrs('198.51.100.0/24', '192.0.2.1', '192.0.2.3', '10.0.0.0/16', '172.16.0.0/16');
    const selection = selectForIpSet(operator, reputation, 3);
    expect(selection.cidrs.map(formatCidr)).toEqual(['10.0.0.0/16', '172.16.0.0/16', '203.0.113.5/32']);
    expect(selection.truncatedCount).toBe(3);
  });

  it('keeps operator entries that were merged into a wider reputation block', () => {
    const selection = selectForIpSet(cidrs('192.0.2.9'), cidrs('192.0.2.0/24', '10.0.0.0/8', '172.16.0.0/12'), 1);
    expect(selection.cidrs.map(formatCidr)).toEqual(['192.0.2.0/24']);
  });

  it('truncates the operator list itself, widest first, when it alone is over the cap', () => {
    const selection = selectForIpSet(cidrs('192.0.2.1', '198.51.100.0/24', '203.0.113.0/28'), [], 2);
    expect(selection.cidrs.map(formatCidr)).toEqual(['198.51.100.0/24', '203.0.113.0/28']);
    expect(selection.truncatedCount).toBe(1);
  });

  const hostCidr = fc.integer({ min: 0, max: 0xffffff }).map((host) => cidr(`10.${host >> 16}.${(host >> 8) & 0xff}.${host & 0xff}/${28 + (host % 5)}`));

  it('never exceeds the cap, always keeps operator entries when they fit, and is deterministic', () => {
    fc.assert(
      fc.property(fc.array(hostCidr, { maxLength: 15 }), fc.array(hostCidr, { maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (operator, reputation, cap) => {
        const selection = selectForIpSet(operator, reputation, cap);
        expect(selection.cidrs.length).toBeLessThanOrEqual(cap);
        const unique = selectForIpSet(operator, reputation, 100_000).cidrs;
        expect(selection.cidrs.length + selection.truncatedCount).toBe(unique.length);
        const operatorBlocks = unique.filter((block) => operator.some((entry) => containsCidr(block, entry)));
        if (operatorBlocks.length <= cap) {
          for (const block of operatorBlocks) expect(selection.cidrs).toContainEqual(block);
        }
        expect(selectForIpSet([...operator].reverse(), [...reputation].reverse(), cap)).toEqual(selection);
      }),
    );
  });
});
