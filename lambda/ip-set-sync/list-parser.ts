import { parseCidr, type AddressFamily, type Cidr } from './cidr';

/**
 * The widest block a source may ask to block. WAF itself accepts /1, but one stray
 * "0.0.0.0/1" in a feed would block half the internet, so anything wider than a /8
 * (IPv4) or /16 (IPv6) is treated as garbage. Collapsing may still produce wider
 * blocks from many narrower ones: those cover exactly what the sources listed.
 */
export const WIDEST_ACCEPTED_PREFIX: Readonly<Record<AddressFamily, number>> = { IPv4: 8, IPv6: 16 };

/** How many rejected entries are kept, verbatim but shortened, for the log. */
export const REJECTED_SAMPLE_COUNT = 5;
const REJECTED_SAMPLE_LENGTH = 80;

export interface ParsedList {
  readonly cidrs: Cidr[];
  /** Entries seen (valid or not), excluding blank lines and comments. */
  readonly entryCount: number;
  readonly rejectedCount: number;
  readonly rejectedSamples: string[];
}

/**
 * Parses a blocklist: one entry per line or comma-separated (an SSM StringList), comments
 * after ";" or "#" (Spamhaus DROP style "192.0.2.0/24 ; SBL123"), blank lines ignored.
 */
export function parseEntryList(text: string): ParsedList {
  const cidrs: Cidr[] = [];
  const rejectedSamples: string[] = [];
  let entryCount = 0;
  let rejectedCount = 0;
  for (const line of text.split(/\r?\n/)) {
    const content = line.replace(/[;#].*$/, '');
    for (const rawEntry of content.split(',')) {
      const entry = rawEntry.trim();
      if (entry === '') continue;
      entryCount++;
      const parsed = parseCidr(entry);
      const tooWide = parsed.ok && parsed.cidr.prefixLength < WIDEST_ACCEPTED_PREFIX[parsed.cidr.family];
      if (parsed.ok && !tooWide) {
        cidrs.push(parsed.cidr);
        continue;
      }
      rejectedCount++;
      if (rejectedSamples.length < REJECTED_SAMPLE_COUNT) rejectedSamples.push(entry.slice(0, REJECTED_SAMPLE_LENGTH));
    }
  }
  return { cidrs, entryCount, rejectedCount, rejectedSamples };
}
