/**
 * The request mix the generator sends, the one docs/capacity.md sizes tasks for: half reads
 * by id, 30 % list pages, 20 % writes, each on a random one of the worker's users.
 */
import type autocannon from 'autocannon';
import type { LoadUser } from './users';

export const REQUEST_MIX = { readById: 0.5, list: 0.3, write: 0.2 } as const;

const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)];

/** autocannon's per-request hook: picks a user and an operation by {@link REQUEST_MIX}. */
export function mixedRequest(users: readonly LoadUser[], random: () => number = Math.random): (request: autocannon.Request) => autocannon.Request {
  if (users.length === 0) throw new Error('mixedRequest needs at least one user');
  return (request) => {
    const user = pick(users, random);
    const headers = { authorization: `Bearer ${user.token}` };
    const roll = random();
    if (roll < REQUEST_MIX.readById) return { ...request, method: 'GET', path: `/v1/notes/${pick(user.noteIds, random)}`, headers, body: undefined };
    if (roll < REQUEST_MIX.readById + REQUEST_MIX.list) return { ...request, method: 'GET', path: '/v1/notes?limit=20', headers, body: undefined };
    return {
      ...request,
      method: 'POST',
      path: '/v1/notes',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'load test', body: 'written by the load generator' }),
    };
  };
}
