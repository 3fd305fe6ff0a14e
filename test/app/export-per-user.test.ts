/**
 * Attacker's finding 1, against real PostgreSQL: one user may run one GDPR export at a
 * time (routes/me/export-slots.ts), so a user reading slowly cannot hold every export slot
 * of a task. The first export is held open by not reading its response (far larger than
 * the socket buffers), which is deterministic: its slot stays taken until it is let go.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExportSlots } from '../../app/src/routes/me/export-slots';
import { expectProblem, openUnreadExport, postgresBackend, register, startApp, until } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('one export per user', () => {
  it('refuses a second concurrent export by the same user (even with a rotated token) with 429 and Retry-After, while another user still exports', async () => {
    app = await startApp(backend.appOptions({ exportConcurrency: 2 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    const [mallory, victim] = [await register(app), await register(app)];
    await backend.query("INSERT INTO notes (user_id, title, body) SELECT $1, 'n', repeat('x', 10000) FROM generate_series(1, 3000)", [mallory.id]);

    const held = await openUnreadExport(port, mallory);
    try {
      expect(held.statusCode).toBe(200);
      const refused = await app.inject({ url: '/v1/me/export', headers: mallory.auth });
      // Status first: a wrongly allowed export's body is 30 MB.
      expect(refused.statusCode).toBe(429);
      const problem = expectProblem(refused, 429);
      expect(refused.headers['retry-after']).toBe('5');
      expect(problem.detail).toBe('An export of this account is already running. Retry once it has finished.');

      const rotated = await app.inject({ method: 'POST', url: '/v1/me/token', headers: mallory.auth });
      expect(rotated.statusCode).toBe(201);
      mallory.auth = { authorization: `Bearer ${rotated.json().token}` };
      const afterRotation = await app.inject({ url: '/v1/me/export', headers: mallory.auth });
      expect(afterRotation.statusCode).toBe(429);

      // The task's second slot is still free for everyone else.
      const victims = await app.inject({ url: '/v1/me/export', headers: victim.auth });
      expect(victims.statusCode, victims.body).toBe(200);
      expect(victims.json().user.id).toBe(victim.id);
    } finally {
      held.destroy();
    }
    await until(async () => (await app!.inject({ url: '/v1/me/export', headers: mallory.auth })).statusCode === 200, 'the slot was not released');
  });
});

describe('ExportSlots', () => {
  it('gives one slot per user and at most perTask in all; a release is idempotent', () => {
    const slots = new ExportSlots(2);
    const a = slots.acquire('a');
    expect(typeof a).toBe('function');
    expect(slots.acquire('a')).toBe('user-busy');
    const b = slots.acquire('b');
    expect(typeof b).toBe('function');
    expect(slots.acquire('c')).toBe('task-busy');
    expect(slots.acquire('a')).toBe('user-busy');
    (a as () => void)();
    (a as () => void)();
    expect(slots.acquire('b')).toBe('user-busy');
    const c = slots.acquire('c');
    expect(typeof c).toBe('function');
    expect(slots.acquire('d')).toBe('task-busy');
  });
});
