/**
 * IPv4/IPv6 CIDR parsing, normalisation and collapsing with BigInt arithmetic.
 *
 * A CIDR is held as its network address (host bits zeroed) and prefix length, so two
 * spellings of the same block ("2001:DB8::1/32", "2001:db8:0::/32") compare equal once
 * formatted.
 */

export type AddressFamily = 'IPv4' | 'IPv6';

export const ADDRESS_FAMILIES: readonly AddressFamily[] = ['IPv4', 'IPv6'];

export const ADDRESS_BITS: Readonly<Record<AddressFamily, number>> = { IPv4: 32, IPv6: 128 };

export interface Cidr {
  readonly family: AddressFamily;
  /** Network address with every host bit zero. */
  readonly network: bigint;
  /** 1..32 for IPv4, 1..128 for IPv6: WAF accepts every prefix length except /0. */
  readonly prefixLength: number;
}

export type CidrParseResult = { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly reason: string };

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/;
const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    // Leading zeros are refused: some parsers read "010" as octal, so the meaning is ambiguous.
    if (!IPV4_OCTET.test(octet)) return undefined;
    const number = Number(octet);
    if (number > 255) return undefined;
    value = (value << 8n) | BigInt(number);
  }
  return value;
}

function parseIpv6Groups(part: string): number[] | undefined {
  if (part === '') return [];
  const groups: number[] = [];
  const texts = part.split(':');
  for (let index = 0; index < texts.length; index++) {
    const text = texts[index];
    if (index === texts.length - 1 && text.includes('.')) {
      // Embedded IPv4 tail, e.g. ::ffff:192.0.2.1
      const ipv4 = parseIpv4(text);
      if (ipv4 === undefined) return undefined;
      groups.push(Number(ipv4 >> 16n), Number(ipv4 & 0xffffn));
    } else {
      if (!IPV6_GROUP.test(text)) return undefined;
      groups.push(parseInt(text, 16));
    }
  }
  return groups;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const head = parseIpv6Groups(halves[0]);
  const tail = halves.length === 2 ? parseIpv6Groups(halves[1]) : [];
  if (head === undefined || tail === undefined) return undefined;
  const explicitGroups = head.length + tail.length;
  const compressed = halves.length === 2;
  if (compressed ? explicitGroups > 7 : explicitGroups !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - explicitGroups).fill(0), ...tail];
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function hostMask(family: AddressFamily, prefixLength: number): bigint {
  return (1n << BigInt(ADDRESS_BITS[family] - prefixLength)) - 1n;
}

/**
 * Parses "address" or "address/prefix". A bare address becomes a /32 or /128; host bits
 * that are set are cleared ("192.0.2.7/24" is 192.0.2.0/24). /0 is refused because WAF
 * refuses it.
 */
export function parseCidr(text: string): CidrParseResult {
  const parts = text.split('/');
  if (parts.length > 2) return { ok: false, reason: 'more than one "/"' };
  const [addressText, prefixText] = parts;
  const family: AddressFamily = addressText.includes(':') ? 'IPv6' : 'IPv4';
  const address = family === 'IPv6' ? parseIpv6(addressText) : parseIpv4(addressText);
  if (address === undefined) return { ok: false, reason: `not an ${family} address` };
  const bits = ADDRESS_BITS[family];
  let prefixLength = bits;
  if (prefixText !== undefined) {
    if (!PREFIX_LENGTH.test(prefixText)) return { ok: false, reason: 'prefix length is not a number' };
    prefixLength = Number(prefixText);
    if (prefixLength < 1 || prefixLength > bits) return { ok: false, reason: `prefix length must be 1..${bits}` };
  }
  return { ok: true, cidr: { family, network: address & ~hostMask(family, prefixLength), prefixLength } };
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (first on a tie) of two or more zero groups as "::". */
function formatIpv6(value: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The form written to the IP set: always with a prefix length, as WAF requires. */
export function formatCidr(cidr: Cidr): string {
  const address = cidr.family === 'IPv6' ? formatIpv6(cidr.network) : formatIpv4(cidr.network);
  return `${address}/${cidr.prefixLength}`;
}

/** Canonical text of a CIDR, or undefined when the text is not one. */
export function normaliseCidr(text: string): string | undefined {
  const parsed = parseCidr(text.trim());
  return parsed.ok ? formatCidr(parsed.cidr) : undefined;
}

export function lastAddress(cidr: Cidr): bigint {
  return cidr.network | hostMask(cidr.family, cidr.prefixLength);
}

export function containsCidr(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    outer.prefixLength <= inner.prefixLength &&
    inner.network >= outer.network &&
    lastAddress(inner) <= lastAddress(outer)
  );
}

export function compareCidrs(left: Cidr, right: Cidr): number {
  if (left.family !== right.family) return left.family < right.family ? -1 : 1;
  if (left.network !== right.network) return left.network < right.network ? -1 : 1;
  return left.prefixLength - right.prefixLength;
}

/** Splits the inclusive range [first, last] into the fewest aligned blocks, never wider than /1. */
function rangeToCidrs(family: AddressFamily, first: bigint, last: bigint): Cidr[] {
  const bits = ADDRESS_BITS[family];
  const blocks: Cidr[] = [];
  let start = first;
  while (start <= last) {
    let hostBits = 0;
    while (hostBits < bits - 1) {
      const size = 1n << BigInt(hostBits + 1);
      if (start % size !== 0n || start + size - 1n > last) break;
      hostBits++;
    }
    blocks.push({ family, network: start, prefixLength: bits - hostBits });
    start += 1n << BigInt(hostBits);
  }
  return blocks;
}

/**
 * The smallest list of CIDRs covering exactly the same addresses: duplicates and CIDRs
 * contained in others disappear, adjacent siblings merge into their parent. Sorted by
 * family, then network address.
 */
export function collapseCidrs(cidrs: readonly Cidr[]): Cidr[] {
  const collapsed: Cidr[] = [];
  for (const family of ADDRESS_FAMILIES) {
    const ranges = cidrs
      .filter((cidr) => cidr.family === family)
      .map((cidr) => ({ first: cidr.network, last: lastAddress(cidr) }))
      .sort((left, right) => (left.first < right.first ? -1 : left.first > right.first ? 1 : 0));
    const merged: { first: bigint; last: bigint }[] = [];
    for (const range of ranges) {
      const previous = merged[merged.length - 1];
      if (previous && range.first <= previous.last + 1n) {
        if (range.last > previous.last) previous.last = range.last;
      } else {
        merged.push({ ...range });
      }
    }
    for (const range of merged) collapsed.push(...rangeToCidrs(family, range.first, range.last));
  }
  return collapsed;
}

export function splitByFamily(cidrs: readonly Cidr[]): Record<AddressFamily, Cidr[]> {
  return {
    IPv4: cidrs.filter((cidr) => cidr.family === 'IPv4'),
    IPv6: cidrs.filter((cidr) => cidr.family === 'IPv6'),
  };
}
