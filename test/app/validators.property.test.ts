/**
 * Property-based tests (fast-check) for everything that judges client input: the route
 * schemas as compiled by the app's validator, bearer-token parsing and pagination cursors.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURSOR_PATTERN, CursorCodec } from '../../app/src/cursor';
import { BODY_MAX, createNoteBody, listNotesQuery, TITLE_MAX, updateNoteBody } from '../../app/src/routes/notes/schemas';
import { createUserBody } from '../../app/src/routes/users/schemas';
import { hashToken, newToken, parseBearer } from '../../app/src/tokens';
import { createAjv } from '../../app/src/validation';

const body = createAjv('body');
const query = createAjv('other');
const validNote = body.compile(createNoteBody);
const validPatch = body.compile(updateNoteBody);
const validUser = body.compile(createUserBody);
const validListQuery = query.compile(listNotesQuery);

const codePoints = (s: string): number => [...s].length;
const noNul = (s: string): boolean => !s.includes('\u0000');
const text = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max });

describe('note bodies', () => {
  it('accept every title of 1..200 and body of 0..10,000 characters without NUL', () => {
    fc.assert(
      fc.property(text(1, TITLE_MAX), text(0, 300), (title, noteBody) => {
        fc.pre(codePoints(title) <= TITLE_MAX && codePoints(title) >= 1 && noNul(title) && noNul(noteBody));
        expect(validNote({ title, body: noteBody })).toBe(true);
      }),
    );
  });

  it('reject titles over 200 characters and bodies over 10,000', () => {
    fc.assert(
      fc.property(fc.integer({ min: TITLE_MAX + 1, max: 1000 }), fc.constantFrom('x', 'é', '😀'), (length, char) => {
        expect(validNote({ title: char.repeat(length), body: '' })).toBe(false);
        expect(validNote({ title: 't', body: char.repeat(BODY_MAX + length - TITLE_MAX) })).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('reject any unknown field, any non-string value, and any NUL', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).filter((k) => k !== 'title' && k !== 'body' && k !== '__proto__'), fc.jsonValue(), (key, value) => {
        expect(validNote({ title: 't', body: 'b', [key]: value })).toBe(false);
        expect(validPatch({ [key]: value })).toBe(false);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string()), fc.object()), (value) => {
        expect(validNote({ title: value, body: 'b' })).toBe(false);
        expect(validNote({ title: 't', body: value })).toBe(false);
      }),
    );
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => {
        expect(validNote({ title: `${a}\u0000${b}`, body: '' })).toBe(false);
      }),);
  });

  it('never coerce: the value the route sees is exactly what was sent', () => {
    fc.assert(
      fc.property(text(1, 50), (title) => {
        fc.pre(noNul(title));
        const input = { title, body: '' };
        const copy = structuredClone(input);
        validNote(input);
        expect(input).toEqual(copy);
      }),
    );
  });
});

describe('registration bodies', () => {
  it('accept generated e-mail addresses up to 254 characters and reject everything without an @', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        fc.pre(email.length <= 254);
        expect(validUser({ email })).toBe(true);
      }),
    );
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('@')), (email) => {
        expect(validUser({ email })).toBe(false);
      }),);
  });
});

describe('list query', () => {
  it('accepts limit 1..100 (as the query-string text it arrives as) and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (limit) => {
        expect(validListQuery({ limit: String(limit) })).toBe(limit >= 1 && limit <= 100);
      }),
    );
  });
});

describe('bearer tokens', () => {
  it('parseBearer never throws and only returns well-formed tokens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const token = parseBearer(header);
        if (token !== undefined) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }),
    );
  });

  it('every new token round-trips through the Authorization header and hashes to 32 bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('Bearer ', 'bearer ', 'BEARER  '), (scheme) => {
        const token = newToken();
        expect(parseBearer(`${scheme}${token}`)).toBe(token);
        expect(hashToken(token)).toHaveLength(32);
      }),
      { numRuns: 50 },
    );
  });
});

describe('cursors', () => {
  const codec = new CursorCodec(randomBytes(32));
  const userId = randomUUID();

  it('decode(encode(position)) is the position and its user, and every cursor matches the documented pattern', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 999_999_999_999_999_999n }), fc.uuid(), (seq, user) => {
        const cursor = codec.encode({ seq: seq.toString(), userId: user });
        expect(cursor).toMatch(new RegExp(CURSOR_PATTERN));
        expect(codec.decode(cursor)).toEqual({ seq: seq.toString(), userId: user.toLowerCase() });
      }),
    );
  });

  it('reveal nothing: the same position seals differently each time, and no digit of it or of the user id shows', () => {
    const cursors = new Set(Array.from({ length: 20 }, () => codec.encode({ seq: '139', userId })));
    expect(cursors.size).toBe(20);
    const userBytes = Buffer.from(userId.replace(/-/g, ''), 'hex');
    for (const cursor of cursors) {
      const sealed = Buffer.from(cursor, 'base64url');
      expect(sealed.toString('latin1')).not.toContain('139');
      expect(sealed.includes(userBytes)).toBe(false);
    }
  });

  it('refuse anything not sealed with this key: arbitrary strings, altered bits, another deployment’s cursors', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (cursor) => {
        expect(codec.decode(cursor)).toBeUndefined();
      }),
    );
    const cursor = codec.encode({ seq: '42', userId });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 51 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const altered = Buffer.from(cursor, 'base64url');
        altered[index] ^= flip;
        expect(codec.decode(altered.toString('base64url'))).toBeUndefined();
      }),
    );
    expect(new CursorCodec(randomBytes(32)).decode(cursor)).toBeUndefined();
  });
});
