import { describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the token and header patterns are part of what each test pins.
const tokens = freshModuleEachTest(() => import('../../app/src/tokens'));
const parseBearer = (header: string | undefined) => tokens().parseBearer(header);
const token = 'A'.repeat(43);

describe('parseBearer', () => {
  it('reads a header up to 200 characters, trailing spaces included, and ignores a longer one', () => {
    const padded = (length: number) => `Bearer ${token}`.padEnd(length, ' ');
    expect(parseBearer(padded(200))).toBe(token);
    expect(parseBearer(padded(201))).toBeUndefined();
  });

  it('takes only a 43-character base64url token after the Bearer scheme', () => {
    expect(parseBearer(`Bearer ${'A'.repeat(42)}`)).toBeUndefined();
    expect(parseBearer(`Bearer ${'A'.repeat(44)}`)).toBeUndefined();
    expect(parseBearer(`Bearer ${'A'.repeat(42)}+`)).toBeUndefined();
    expect(parseBearer(`Basic ${token}`)).toBeUndefined();
    expect(parseBearer(`xBearer ${token}`)).toBeUndefined();
    expect(parseBearer(`Bearer ${token} extra`)).toBeUndefined();
    expect(parseBearer(undefined)).toBeUndefined();
  });

  it('reads the scheme in any case and any number of spaces before the token (RFC 9110 token68 framing)', () => {
    expect(parseBearer(`bearer ${token}`)).toBe(token);
    expect(parseBearer(`BEARER   ${token}`)).toBe(token);
    expect(parseBearer(`Bearer ${token}`)).toBe(token);
    expect(parseBearer(`Bearer${token}`)).toBeUndefined();
    expect(parseBearer(`Bearer \t${token}`)).toBeUndefined();
  });
});

describe('tokens', () => {
  // Stored hashes are SHA-256 of the token text: another digest would lock every user out.
  it('hashToken is the SHA-256 of the token text', () => {
    expect(tokens().hashToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('newToken is 32 random bytes as 43 base64url characters, different each time', () => {
    const first = tokens().newToken();
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens().newToken()).not.toBe(first);
  });
});
