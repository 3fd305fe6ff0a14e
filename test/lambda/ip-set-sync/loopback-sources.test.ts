/**
 * Which plain-http reputation list URLs the test-only opt-in admits: only the loopback
 * interface by its three spellings. Anything else that looks local (the instance metadata
 * address, the unspecified address, a name that merely starts with "localhost") stays
 * refused, so the flag can never open a path to a network service.
 */
import { describe, expect, it } from 'vitest';
import { validateReputationListUrl } from '../../../lambda/ip-set-sync/config';

describe('plain http with ALLOW_INSECURE_LOCALHOST_SOURCES', () => {
  it.each(['http://127.0.0.1:8080/drop.txt', 'http://[::1]/drop.txt', 'http://localhost/drop.txt'])('admits the loopback URL %s', (url) => {
    expect(() => validateReputationListUrl(url, true)).not.toThrow();
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'http://0.0.0.0/drop.txt', 'http://localhost.evil.example/drop.txt', 'http://127.0.0.2/drop.txt', 'http://10.0.0.1/drop.txt'])(
    'refuses %s',
    (url) => {
      expect(() => validateReputationListUrl(url, true)).toThrow(`REPUTATION_LIST_URLS URLs must use https: "${url}"`);
    },
  );

  it('refuses even loopback without the opt-in', () => {
    expect(() => validateReputationListUrl('http://localhost/drop.txt', false)).toThrow('REPUTATION_LIST_URLS URLs must use https');
  });
});
