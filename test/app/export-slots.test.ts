/**
 * Who may start a GDPR export on a task (routes/me/export-slots.ts): at most `perTask` at
 * once, one per user, and a release that is safe to call twice: a stale second call never
 * frees the slot of the user's next export. Over HTTP with real PostgreSQL:
 * export-per-user.test.ts and bounded-cost.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ExportSlots } from '../../app/src/routes/me/export-slots';

function acquired(result: (() => void) | string): () => void {
  if (typeof result !== 'function') throw new Error(`expected a slot, got ${result}`);
  return result;
}

describe('ExportSlots', () => {
  it('one export per user: a second is user-busy until the first is released', () => {
    const slots = new ExportSlots(5);
    const release = acquired(slots.acquire('u1'));
    expect(slots.acquire('u1')).toBe('user-busy');
    release();
    acquired(slots.acquire('u1'));
  });

  it('perTask exports at once: the next user is task-busy until one is released', () => {
    const slots = new ExportSlots(2);
    const first = acquired(slots.acquire('u1'));
    acquired(slots.acquire('u2'));
    expect(slots.acquire('u3')).toBe('task-busy');
    first();
    acquired(slots.acquire('u3'));
  });

  it('a user already exporting is told user-busy even when the task is full', () => {
    const slots = new ExportSlots(1);
    acquired(slots.acquire('u1'));
    expect(slots.acquire('u1')).toBe('user-busy');
  });

  it("releasing twice frees one slot once: the stale second call leaves the user's next export holding its slot", () => {
    const slots = new ExportSlots(5);
    const first = acquired(slots.acquire('u1'));
    first();
    acquired(slots.acquire('u1'));
    first();
    expect(slots.acquire('u1')).toBe('user-busy');
  });
});
