/**
 * What the per-IP rate limit counts as one client. The address Fastify reports (the
 * trusted proxy hop's) can be spelled several ways, and one party can hold many of them:
 *  - an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is its IPv4 address;
 *  - an IPv6 client is its /64: a single host, subscriber or VM is normally handed a whole
 *    /64 (2^64 addresses), so counting per address would give it unlimited buckets;
 *  - an IPv6 address is compared in one spelling (hex case, leading zeros, `::`, a zone
 *    index such as `%eth0` on a link-local peer make no difference).
 * A value that is not an IP address (only a misconfigured proxy setting yields one) is
 * kept as it is.
 */
import { BlockList, isIP } from 'node:net';

/** ::ffff:0:0/96, however it is spelled (BlockList compares parsed addresses, not text). */
const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/** Leading 16-bit groups that make up the /64 an IPv6 client is counted by. */
const PREFIX_GROUPS = 4;

/** The address without its zone index (`fe80::1%eth0`): the zone names our interface, not the client. */
const withoutZone = (address: string): string => address.split('%', 1)[0];

/**
 * The eight 16-bit groups of an IPv6 address that `isIP` accepted: `::` stands for as
 * many zero groups as are missing, and a trailing dotted IPv4 part for the last two.
 */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split('::');
  if (tail === undefined) return parse(head);
  const [before, after] = [parse(head), parse(tail)];
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

const hex = (groups: readonly number[]): string => groups.map((group) => group.toString(16)).join(':');

/** The IPv4 address in the last 32 bits of an IPv4-mapped address. */
const mappedIpv4 = (groups: readonly number[]): string => [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');

/**
 * An address that `isIP` accepts, parsed once: IPv4 (an IPv4-mapped address as its IPv4
 * address) or the eight groups of an IPv6 address. undefined for anything else.
 */
function parseAddress(ip: string): { readonly ipv4: string } | { readonly groups: number[] } | undefined {
  const address = withoutZone(ip);
  const family = isIP(address);
  if (family === 4) return { ipv4: address };
  if (family !== 6) return undefined;
  const groups = ipv6Groups(address);
  return IPV4_MAPPED.check(address, 'ipv6') ? { ipv4: mappedIpv4(groups) } : { groups };
}

/**
 * One spelling per address: IPv4 as it is, IPv4-mapped as its IPv4 address, any other
 * IPv6 address as eight lower-case hex groups without leading zeros. For comparisons
 * with configured addresses (the per-IP exemption).
 */
export function canonicalAddress(ip: string): string {
  const parsed = parseAddress(ip);
  if (!parsed) return ip;
  return 'ipv4' in parsed ? parsed.ipv4 : hex(parsed.groups);
}

/** The per-IP rate-limit key: `ip:<IPv4 address>` or `ip:<IPv6 /64 prefix>::/64`. */
export function rateLimitKey(ip: string): string {
  const parsed = parseAddress(ip);
  if (!parsed) return `ip:${ip}`;
  return 'ipv4' in parsed ? `ip:${parsed.ipv4}` : `ip:${hex(parsed.groups.slice(0, PREFIX_GROUPS))}::/64`;
}
