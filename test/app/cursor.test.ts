/**
 * The cursor codec's edges (cursor.ts), each codec built inside its test: the key length,
 * the position's range on both sides (1 .. 2^63-1, no leading zero), the user id's shape,
 * the errors that name the bad value, and the id text a decoded cursor carries. The
 * property tests (validators.property.test.ts) cover round trips and tampering at large.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CursorCodec } from '../../app/src/cursor';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded in each test, so the layout constants and patterns are part of what each test pins.
const cursorModule = freshModuleEachTest(() => import('../../app/src/cursor'));
const user = '0f8fad5b-d9cb-469f-a165-70867728950e';
const codec = (): CursorCodec => new (cursorModule().CursorCodec)(randomBytes(32));

describe('CursorCodec', () => {
  it.each([16, 31, 33, 64])('refuses a %i-byte key', (length) => {
    expect(() => new (cursorModule().CursorCodec)(randomBytes(length))).toThrow('a cursor key is 32 bytes');
  });

  it('positions 1 and 2^63-1 (the largest bigint a note can have) round-trip', () => {
    const cursors = codec();
    for (const seq of ['1', '9', '10', '9223372036854775807']) expect(cursors.decode(cursors.encode({ seq, userId: user }))).toEqual({ seq, userId: user });
  });

  it.each(['0', '-1', '01', '1.5', '', ' 1', '9223372036854775808', '10000000000000000000'])('refuses position %j, naming it', (seq) => {
    expect(() => codec().encode({ seq, userId: user })).toThrow(`not a note position: ${seq}`);
  });

  it.each(['0f8fad5b-d9cb-469f-a165-70867728950', '0f8fad5bd9cb469fa16570867728950e', `x${user}`, `${user}x`, 'not-a-uuid'])('refuses user id %j, naming it', (userId) => {
    expect(() => codec().encode({ seq: '1', userId })).toThrow(`not a user id: ${userId}`);
  });

  it('decodes the user id as lower-case 8-4-4-4-12 text, whatever case it was issued with', () => {
    const cursors = codec();
    expect(cursors.decode(cursors.encode({ seq: '7', userId: user.toUpperCase() }))).toEqual({ seq: '7', userId: user });
  });

  it('a cursor is 70 characters of the documented pattern', () => {
    const cursor = codec().encode({ seq: '1', userId: user });
    expect(cursor).toHaveLength(70);
    expect(cursor).toMatch(new RegExp(cursorModule().CURSOR_PATTERN));
  });

  it('a cursor one character short or long, or with a character outside base64url, is not one', () => {
    const cursors = codec();
    const cursor = cursors.encode({ seq: '5', userId: user });
    for (const altered of [cursor.slice(1), `A${cursor}`, `${cursor.slice(0, 10)}+${cursor.slice(11)}`, `${cursor.slice(0, 10)}=${cursor.slice(11)}`]) {
      expect(cursors.decode(altered)).toBeUndefined();
    }
    expect(cursors.decode(cursor)).toEqual({ seq: '5', userId: user });
  });

  it('only the canonical spelling decodes: padding, whitespace and the other base64 alphabet are refused', () => {
    // Node's base64url decoder skips padding and whitespace and also reads + and / (as - and
    // _), so each of these decodes to the same authentic bytes: the pattern is what refuses them.
    const cursors = codec();
    const cursor = cursors.encode({ seq: '5', userId: user });
    for (const altered of [`${cursor}=`, `${cursor}==`, `${cursor}\n`, ` ${cursor}`, `${cursor.slice(0, 35)} ${cursor.slice(35)}`]) {
      expect(cursors.decode(altered)).toBeUndefined();
    }
    // A cursor holding - or _ (two in three do; at most 50 tries) spelled with + or / instead.
    const spelled = Array.from({ length: 50 }, () => cursors.encode({ seq: '5', userId: user })).find((candidate) => /[-_]/.test(candidate.slice(0, 69)));
    expect(spelled).toBeDefined();
    const otherAlphabet = spelled!.replace(/[-_]/, (character) => (character === '-' ? '+' : '/'));
    expect(Buffer.from(otherAlphabet, 'base64url').equals(Buffer.from(spelled!, 'base64url'))).toBe(true);
    expect(cursors.decode(otherAlphabet)).toBeUndefined();
    expect(cursors.decode(spelled!)).toEqual({ seq: '5', userId: user });
  });

  it('encrypts with AES-256-GCM: a cursor decrypts with the key and layout the module documents', async () => {
    const { createDecipheriv } = await import('node:crypto');
    const key = randomBytes(32);
    const sealed = Buffer.from(new (cursorModule().CursorCodec)(key).encode({ seq: '258', userId: user }), 'base64url');
    expect(sealed).toHaveLength(12 + 8 + 16 + 16);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(36));
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, 36)), decipher.final()]);
    expect(plain.readBigUInt64BE()).toBe(258n);
    expect(plain.subarray(8).toString('hex')).toBe(user.replace(/-/g, ''));
  });
});
