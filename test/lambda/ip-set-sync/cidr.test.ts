import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collapseCidrs, containsCidr, formatCidr, lastAddress, normaliseCidr, parseCidr, splitByFamily, type Cidr } from '../../../lambda/ip-set-sync/cidr';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
  return parsed.cidr;
}

const collapsedText = (texts: string[]) => collapseCidrs(texts.map(cidr)).map(formatCidr);

describe('parseCidr / normaliseCidr', () => {
  it.each([
    ['192.0.2.7', '192.0.2.7/32'],
    ['192.0.2.7/24', '192.0.2.0/24'],
    ['  10.1.2.3/8 ', '10.0.0.0/8'],
    ['0.0.0.0/1', '0.0.0.0/1'],
    ['255.255.255.255/32', '255.255.255.255/32'],
    ['2001:DB8::1', '2001:db8::1/128'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1/128'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/64', '2001:db8::/64'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3/128'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0/128'],
    ['::', '::/128'],
    ['::/1', '::/1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201/128'],
    // IPv4-compatible (deprecated), not IPv4-mapped: ipaddr.js alone would make it ::ffff:c000:201.
    ['::192.0.2.1', '::c000:201/128'],
    ['::0.0.0.0', '::/128'],
  ])('normalises %s to %s', (input, expected) => {
    expect(normaliseCidr(input)).toBe(expected);
  });

  it.each([
    '',
    'hello',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3.4/',
    '1.2.3.4/0',
    '1.2.3.4/33',
    '1.2.3.4/08',
    '1.2.3.4/-1',
    '1.2.3.4/24/1',
    '::/0',
    '::/129',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7:8::',
    '1::2::3',
    ':1:2:3:4:5:6:7',
    '12345::',
    'fe80::1%eth0',
    'g::1',
    '::ffff:300.1.1.1',
    '::ffff:01.2.3.4',
    '::ffff:1.2.3',
    '127.1',
    '0x7f.0.0.1',
    '1.2.3.4 5.6.7.8',
  ])('rejects %j', (input) => {
    expect(normaliseCidr(input)).toBeUndefined();
  });

  it('reports why a CIDR was rejected', () => {
    expect(parseCidr('10.0.0.0/0')).toEqual({ ok: false, reason: 'prefix length must be 1..32' });
  });

  it('normalises like the WHATWG URL serializer for any IPv6 address (RFC 5952 compression, lower case)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
        expect(normaliseCidr(address)).toBe(`${canonical}/128`);
      }),
    );
  });

  it('keeps canonical IPv4 addresses as they are', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(normaliseCidr(address)).toBe(`${address}/32`);
      }),
    );
  });

  it('is idempotent', () => {
    const anyCidr = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 32 })),
      fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 128 })),
    );
    fc.assert(
      fc.property(anyCidr, ([address, prefix]) => {
        const once = normaliseCidr(`${address}/${prefix}`);
        expect(once).toBeDefined();
        expect(normaliseCidr(once!)).toBe(once);
      }),
    );
  });
});

describe('collapseCidrs', () => {
  it('removes duplicates and CIDRs contained in others', () => {
    expect(collapsedText(['10.0.0.0/8', '10.1.2.3', '10.0.0.0/8', '10.200.0.0/16'])).toEqual(['10.0.0.0/8']);
  });

  it('merges adjacent siblings into their parent, repeatedly', () => {
    expect(collapsedText(['192.0.2.0/26', '192.0.2.64/26', '192.0.2.128/25'])).toEqual(['192.0.2.0/24']);
  });

  it('does not merge adjacent blocks that are not siblings', () => {
    expect(collapsedText(['10.0.1.0/24', '10.0.2.0/24'])).toEqual(['10.0.1.0/24', '10.0.2.0/24']);
  });

  it('collapses IPv6 and keeps the families apart, IPv4 first', () => {
    expect(collapsedText(['2001:db8::/33', '2001:db8:8000::/33', '::1', '192.0.2.1', '2001:db8::5'])).toEqual([
      '192.0.2.1/32',
      '::1/128',
      '2001:db8::/32',
    ]);
  });

  it('never produces /0, which WAF refuses', () => {
    expect(collapsedText(['0.0.0.0/1', '128.0.0.0/1'])).toEqual(['0.0.0.0/1', '128.0.0.0/1']);
  });

  it('never produces /0 for IPv6 either', () => {
    expect(collapsedText(['::/1', '8000::/1'])).toEqual(['::/1', '8000::/1']);
  });

  it('keeps IPv4-mapped IPv6 blocks in the IPv6 family and writes them in hex', () => {
    expect(collapsedText(['::ffff:192.0.2.0/121', '::ffff:192.0.2.128/121', '192.0.2.0/24'])).toEqual(['192.0.2.0/24', '::ffff:c000:200/120']);
  });

  // Playgrounds of 2^16 addresses with prefixes from the playground's own down to a host make
  // overlaps, containment and adjacent siblings likely; one per family, and one of IPv4-mapped
  // IPv6 addresses (::ffff:10.20.0.0/112).
  describe.each([
    { name: 'IPv4 10.20.0.0/16', family: 'IPv4' as const, base: 0x0a140000n },
    { name: 'IPv6 2001:db8::/112', family: 'IPv6' as const, base: 0x20010db8n << 96n },
    { name: 'IPv4-mapped IPv6 ::ffff:10.20.0.0/112', family: 'IPv6' as const, base: (0xffffn << 32n) | 0x0a140000n },
  ])('on $name', ({ family, base }) => {
    const bits = family === 'IPv4' ? 32 : 128;
    const netType = family === 'IPv4' ? 'ipv4' : 'ipv6';
    const smallCidr = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: bits - 16, max: bits })).map(([host, prefix]): Cidr => {
      const address = formatCidr({ family, network: base + BigInt(host), prefixLength: bits }).split('/')[0];
      return cidr(`${address}/${prefix}`);
    });
    const toText = (value: bigint) => formatCidr({ family, network: value, prefixLength: bits }).split('/')[0];

    function blockListOf(cidrs: readonly Cidr[]): BlockList {
      const list = new BlockList();
      for (const entry of cidrs) list.addSubnet(toText(entry.network), entry.prefixLength, netType);
      return list;
    }

    it('covers exactly the same addresses (checked at every edge and at random samples)', () => {
      fc.assert(
        fc.property(fc.array(smallCidr, { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 20, maxLength: 20 }), (input, samples) => {
          const output = collapseCidrs(input);
          const before = blockListOf(input);
          const after = blockListOf(output);
          const probes = new Set<bigint>(samples.map((sample) => base + BigInt(sample)));
          for (const entry of [...input, ...output]) {
            for (const edge of [entry.network - 1n, entry.network, lastAddress(entry), lastAddress(entry) + 1n]) probes.add(edge);
          }
          for (const probe of probes) expect(after.check(toText(probe), netType)).toBe(before.check(toText(probe), netType));
        }),
      );
    });

    it('is minimal: sorted, disjoint, no entry inside another, no mergeable siblings, host bits zero', () => {
      fc.assert(
        fc.property(fc.array(smallCidr, { maxLength: 30 }), (input) => {
          const output = collapseCidrs(input);
          expect(output.length).toBeLessThanOrEqual(input.length);
          for (const entry of output) expect(entry.network & ((1n << BigInt(bits - entry.prefixLength)) - 1n)).toBe(0n);
          for (let index = 1; index < output.length; index++) {
            const previous = output[index - 1];
            const current = output[index];
            expect(lastAddress(previous) < current.network).toBe(true);
            const parentSize = 1n << BigInt(bits - previous.prefixLength + 1);
            const siblings = previous.prefixLength === current.prefixLength && previous.network % parentSize === 0n && lastAddress(previous) + 1n === current.network;
            expect(siblings).toBe(false);
          }
          expect(collapseCidrs(output)).toEqual(output);
        }),
      );
    });

    it('keeps every input inside some output', () => {
      fc.assert(
        fc.property(fc.array(smallCidr, { maxLength: 30 }), (input) => {
          const output = collapseCidrs(input);
          for (const entry of input) expect(output.some((outer) => containsCidr(outer, entry))).toBe(true);
        }),
      );
    });
  });
});

describe('splitByFamily', () => {
  it('splits IPv4 from IPv6', () => {
    const split = splitByFamily(['192.0.2.0/24', '2001:db8::/32', '198.51.100.1'].map(cidr));
    expect(split.IPv4.map(formatCidr)).toEqual(['192.0.2.0/24', '198.51.100.1/32']);
    expect(split.IPv6.map(formatCidr)).toEqual(['2001:db8::/32']);
  });
});
