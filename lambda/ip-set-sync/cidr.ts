import { mergeCidr } from 'cidr-tools';
import ipaddr from 'ipaddr.js';

/**
 * IPv4/IPv6 CIDR parsing, normalisation and collapsing, on ipaddr.js (parsing, RFC 5952
 * text) and cidr-tools (merging), with WAF's rules enforced on top: host bits zero, never /0.
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

const PREFIX_LENGTH = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parsing is ipaddr.js (the parser behind Express's trust-proxy handling), narrowed to what a
 * blocklist entry may unambiguously mean: ipaddr.js also reads "010.1.2.3" as octal, "127.1"
 * and "0x7f.0.0.1", which other parsers read differently, and IPv6 zone ids ("fe80::1%eth0"),
 * which WAF has no use for. IPv4, and the IPv4 tail of an IPv6 address, must be four plain
 * decimal parts without leading zeros.
 */
function parseAddress(family: AddressFamily, text: string): bigint | undefined {
  if (family === 'IPv4') {
    return ipaddr.IPv4.isValidFourPartDecimal(text) ? toBigInt(ipaddr.IPv4.parse(text).toByteArray()) : undefined;
  }
  const hexText = ipv4TailAsHex(text);
  if (hexText === undefined || !ipaddr.IPv6.isValid(hexText)) return undefined;
  const address = ipaddr.IPv6.parse(hexText);
  return address.zoneId === undefined ? toBigInt(address.toByteArray()) : undefined;
}

/**
 * An IPv6 text with its dotted IPv4 tail ("::ffff:192.0.2.1") rewritten as two hex groups
 * ("::ffff:c000:201"); undefined when the tail is not four plain decimal parts. Done here
 * because ipaddr.js reads the deprecated IPv4-compatible form "::192.0.2.1" as the
 * IPv4-mapped ::ffff:192.0.2.1, another address (RFC 4291 2.5.5.1: it is ::c000:201),
 * which the WHATWG property test in cidr.test.ts caught.
 */
function ipv4TailAsHex(text: string): string | undefined {
  const head = text.slice(0, text.lastIndexOf(':') + 1);
  const tail = text.slice(head.length);
  if (!tail.includes('.')) return text;
  if (!ipaddr.IPv4.isValidFourPartDecimal(tail)) return undefined;
  const [a, b, c, d] = ipaddr.IPv4.parse(tail).octets;
  return `${head}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function toBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function toBytes(value: bigint, family: AddressFamily): number[] {
  const length = ADDRESS_BITS[family] / 8;
  return Array.from({ length }, (_, index) => Number((value >> BigInt(8 * (length - 1 - index))) & 0xffn));
}

function hostMask(family: AddressFamily, prefixLength: number): bigint {
  return (1n << BigInt(ADDRESS_BITS[family] - prefixLength)) - 1n;
}

/** "address" or "address/prefix", any prefix the family allows, /0 included. */
function parseBlock(text: string): CidrParseResult {
  const parts = text.split('/');
  if (parts.length > 2) return { ok: false, reason: 'more than one "/"' };
  const [addressText, prefixText] = parts;
  const family: AddressFamily = addressText.includes(':') ? 'IPv6' : 'IPv4';
  const address = parseAddress(family, addressText);
  if (address === undefined) return { ok: false, reason: `not an ${family} address` };
  const bits = ADDRESS_BITS[family];
  let prefixLength = bits;
  if (prefixText !== undefined) {
    // Digits only, no leading zero: parseInt would take "08", "+8" or "8abc" as 8.
    if (!PREFIX_LENGTH.test(prefixText)) return { ok: false, reason: 'prefix length is not a number' };
    prefixLength = Number(prefixText);
    if (prefixLength > bits) return { ok: false, reason: `prefix length must be 1..${bits}` };
  }
  return { ok: true, cidr: { family, network: address & ~hostMask(family, prefixLength), prefixLength } };
}

/**
 * Parses "address" or "address/prefix". A bare address becomes a /32 or /128; host bits
 * that are set are cleared ("192.0.2.7/24" is 192.0.2.0/24), as WAF requires. /0 is refused
 * because WAF refuses it.
 */
export function parseCidr(text: string): CidrParseResult {
  const parsed = parseBlock(text);
  if (parsed.ok && parsed.cidr.prefixLength === 0) return { ok: false, reason: `prefix length must be 1..${ADDRESS_BITS[parsed.cidr.family]}` };
  return parsed;
}

function formatAddress(cidr: Cidr): string {
  const bytes = toBytes(cidr.network, cidr.family);
  // toRFC5952String: lower case, no leading zeros, the longest run (first on a tie) of two or
  // more zero groups as "::", and an IPv4-mapped address in hex like any other.
  return cidr.family === 'IPv6' ? new ipaddr.IPv6(bytes).toRFC5952String() : new ipaddr.IPv4(bytes).toString();
}

/** The form written to the IP set: always with a prefix length, as WAF requires. */
export function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr)}/${cidr.prefixLength}`;
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

/** WAF refuses /0, so a collapse that covers a whole family is written as its two /1 halves. */
function wafBlocks(cidr: Cidr): Cidr[] {
  if (cidr.prefixLength > 0) return [cidr];
  const upperHalf = 1n << BigInt(ADDRESS_BITS[cidr.family] - 1);
  return [
    { family: cidr.family, network: 0n, prefixLength: 1 },
    { family: cidr.family, network: upperHalf, prefixLength: 1 },
  ];
}

/**
 * The smallest list of CIDRs covering exactly the same addresses: duplicates and CIDRs
 * contained in others disappear, adjacent siblings merge into their parent (cidr-tools'
 * mergeCidr). Its output is read back through parseBlock, so the text written to WAF is
 * ours (RFC 5952, IPv4-mapped addresses in hex), and never /0. Sorted by family, then
 * network address.
 */
export function collapseCidrs(cidrs: readonly Cidr[]): Cidr[] {
  if (cidrs.length === 0) return [];
  return mergeCidr(cidrs.map(formatCidr))
    .flatMap((text) => {
      const parsed = parseBlock(text);
      if (!parsed.ok) throw new Error(`cidr-tools returned "${text}", which is not a CIDR: ${parsed.reason}`);
      return wafBlocks(parsed.cidr);
    })
    .sort(compareCidrs);
}

export function splitByFamily(cidrs: readonly Cidr[]): Record<AddressFamily, Cidr[]> {
  return {
    IPv4: cidrs.filter((cidr) => cidr.family === 'IPv4'),
    IPv6: cidrs.filter((cidr) => cidr.family === 'IPv6'),
  };
}
