/**
 * The per-IP limit's notion of one client (app/src/client-address.ts), spelling by
 * spelling: an IPv4-mapped address is its IPv4 address, an IPv6 client is its /64 in one
 * spelling, anything that is not an address is kept as it came. Over HTTP:
 * rate-limit-keys.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the mapped-address block and the spelling helpers built when the
// module loads are part of what each test pins.
const address = freshModuleEachTest(() => import('../../app/src/client-address'));

describe('per-IP rate limit key (rateLimitKey)', () => {
  it.each([
    ['203.0.113.7', 'ip:203.0.113.7'],
    ['::ffff:203.0.113.7', 'ip:203.0.113.7'],
    ['::FFFF:203.0.113.7', 'ip:203.0.113.7'],
    ['::ffff:cb00:7107', 'ip:203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', 'ip:203.0.113.7'],
    ['0000:0000:0000:0000:0000:ffff:cb00:7107', 'ip:203.0.113.7'],
    ['::1', 'ip:0:0:0:0::/64'],
    ['::', 'ip:0:0:0:0::/64'],
    ['fe80::1%eth0', 'ip:fe80:0:0:0::/64'],
    ['fe80::1', 'ip:fe80:0:0:0::/64'],
    ['2001:db8:1:2::1', 'ip:2001:db8:1:2::/64'],
    ['2001:DB8:1:2::1c2', 'ip:2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', 'ip:2001:db8:1:2::/64'],
    ['2001:db8:1:2:3:4:5:6', 'ip:2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', 'ip:2001:db8:1:3::/64'],
    ['2001:db8::', 'ip:2001:db8:0:0::/64'],
    ['2001:db8::1:2:3:4', 'ip:2001:db8:0:0::/64'],
    ['1:2:3::', 'ip:1:2:3:0::/64'],
    ['1:2:3:4:5::', 'ip:1:2:3:4::/64'],
    ['64:ff9b::198.51.100.1', 'ip:64:ff9b:0:0::/64'],
    // Not an address (only a misconfigured proxy setting yields one): kept as it is.
    ['unknown', 'ip:unknown'],
  ])('%s → %s', (ip, key) => {
    expect(address().rateLimitKey(ip)).toBe(key);
  });

  it('compares exempt addresses in one spelling: mapped IPv4 as IPv4, IPv6 expanded, zone dropped', () => {
    expect(address().canonicalAddress('::ffff:203.0.113.10')).toBe('203.0.113.10');
    expect(address().canonicalAddress('2001:DB8::0001')).toBe('2001:db8:0:0:0:0:0:1');
    expect(address().canonicalAddress('2001:db8:0:0:0:0:0:1')).toBe('2001:db8:0:0:0:0:0:1');
    expect(address().canonicalAddress('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
    expect(address().canonicalAddress('203.0.113.10')).toBe('203.0.113.10');
  });

  it('keeps a value that is not an address exactly as it came, zone-like suffix included', () => {
    for (const value of ['unknown', 'not%an-address', '', '203.0.113', '2001:db8::g']) {
      expect(address().canonicalAddress(value)).toBe(value);
      expect(address().rateLimitKey(value)).toBe(`ip:${value}`);
    }
  });
});

describe('zone index', () => {
  it('is dropped from any address before it is read, IPv4 included', () => {
    expect(address().canonicalAddress('203.0.113.7%eth0')).toBe('203.0.113.7');
    expect(address().rateLimitKey('203.0.113.7%eth0')).toBe('ip:203.0.113.7');
  });
});
