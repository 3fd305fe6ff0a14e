/**
 * The per-task memory of which user a token hash belongs to (user-ids.ts): it holds
 * exactly `capacity` entries, forgets the least recently used one first, looks a token up
 * again once forgotten, and never remembers a token no user has. Over HTTP (rotation, 401s):
 * rate-limit-keys.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { UserIds } from '../../app/src/user-ids';

/** A lookup over a fixed table that records every token it was asked about. */
function countingLookup(owners: Record<string, string>) {
  const asked: string[] = [];
  const lookup = async (tokenHash: Buffer) => {
    const token = tokenHash.toString();
    asked.push(token);
    return owners[token];
  };
  return { asked, lookup };
}

const hash = (token: string) => Buffer.from(token);

describe('UserIds', () => {
  it('keeps exactly `capacity` entries: the last one fitting is not looked up again', async () => {
    const { asked, lookup } = countingLookup({ a: 'user-a', b: 'user-b' });
    const ids = new UserIds(lookup, 2);
    expect(await ids.resolve(hash('a'))).toBe('user-a');
    expect(await ids.resolve(hash('b'))).toBe('user-b');
    expect(await ids.resolve(hash('a'))).toBe('user-a');
    expect(await ids.resolve(hash('b'))).toBe('user-b');
    expect(asked).toEqual(['a', 'b']);
  });

  it('past capacity, forgets the least recently used entry (a use refreshes it) and looks it up again when next seen', async () => {
    const { asked, lookup } = countingLookup({ a: 'user-a', b: 'user-b', c: 'user-c' });
    const ids = new UserIds(lookup, 2);
    await ids.resolve(hash('a'));
    await ids.resolve(hash('b'));
    await ids.resolve(hash('a'));
    await ids.resolve(hash('c'));
    expect(asked).toEqual(['a', 'b', 'c']);
    expect(await ids.resolve(hash('a'))).toBe('user-a');
    expect(asked).toEqual(['a', 'b', 'c']);
    expect(await ids.resolve(hash('b'))).toBe('user-b');
    expect(asked).toEqual(['a', 'b', 'c', 'b']);
  });

  it('never remembers a token no user has: each sighting is looked up', async () => {
    const { asked, lookup } = countingLookup({});
    const ids = new UserIds(lookup, 2);
    expect(await ids.resolve(hash('x'))).toBeUndefined();
    expect(await ids.resolve(hash('x'))).toBeUndefined();
    expect(asked).toEqual(['x', 'x']);
  });

  it('forget drops one entry: that token is looked up again, the others are not', async () => {
    const { asked, lookup } = countingLookup({ a: 'user-a', b: 'user-b' });
    const ids = new UserIds(lookup, 10);
    await ids.resolve(hash('a'));
    await ids.resolve(hash('b'));
    ids.forget(hash('a'));
    await ids.resolve(hash('a'));
    await ids.resolve(hash('b'));
    expect(asked).toEqual(['a', 'b', 'a']);
  });
});
