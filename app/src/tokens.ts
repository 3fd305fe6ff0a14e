/**
 * Bearer tokens: 32 random bytes, base64url (43 characters). Only the SHA-256 digest is
 * stored, so a database leak does not leak usable tokens; a fast hash is enough because
 * the input has 256 bits of entropy (nothing to brute-force, unlike a password).
 */
import { createHash, randomBytes } from 'node:crypto';

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const BEARER_PATTERN = /^Bearer +([^\s]+) *$/i;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The token from an Authorization header, or undefined when it is missing or malformed. */
export function parseBearer(header: string | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > 200) return undefined;
  const token = BEARER_PATTERN.exec(header)?.[1];
  return token && TOKEN_PATTERN.test(token) ? token : undefined;
}
