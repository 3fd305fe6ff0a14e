/**
 * The cursor codec's edges (cursor.ts), each codec built inside its test: the key length,
 * the position's range on both sides (1 .. 2^63-1, no leading zero), the user id's shape,
 * the errors that name the bad value, and the id text a decoded cursor carries. The
 * property tests (validators.property.test.ts) cover round trips and tampering at large.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CURSOR_PATTERN, CursorCodec } from '../../app/src/cursor';

const user = '0f8fad5b-d9cb-469f-a165-70867728950e';
const codec = (): CursorCodec => new CursorCodec(randomBytes(32));

describe('CursorCodec', () => {
  it.each([16, 31, 33, 64])('refuses a %i-byte key', (length) => {
    expect(() => new CursorCodec(randomBytes(length))).toThrow('a cursor key is 32 bytes');
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
    expect(cursor).toMatch(new RegExp(CURSOR_PATTERN));
  });

  it('a cursor one character short or long, or with a character outside base64url, is not one', () => {
    const cursors = codec();
    const cursor = cursors.encode({ seq: '5', userId: user });
    for (const altered of [cursor.slice(1), `A${cursor}`, `${cursor.slice(0, 10)}+${cursor.slice(11)}`, `${cursor.slice(0, 10)}=${cursor.slice(11)}`]) {
      expect(cursors.decode(altered)).toBeUndefined();
    }
    expect(cursors.decode(cursor)).toEqual({ seq: '5', userId: user });
  });
});
