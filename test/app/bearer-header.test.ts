import { describe, expect, it } from 'vitest';
import { hashToken, newToken, parseBearer } from '../../app/src/tokens';

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
});

describe('tokens', () => {
  // Stored hashes are SHA-256 of the token text: another digest would lock every user out.
  it('hashToken is the SHA-256 of the token text', () => {
    expect(hashToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('newToken is 32 random bytes as 43 base64url characters, different each time', () => {
    const first = newToken();
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(first);
  });
});
