/**
 * Attacker's finding 5: /readyz is exempt from the rate limits, so a flood of probes must
 * not become a flood of queries on the shared pool. Concurrent probes share one database
 * check (routes/health.ts, sharedCheck), and its outcome answers probes for a second.
 * Queries are counted by wrapping the app's database `query` (real PostgreSQL); the check
 * is held open by a gate the test opens, so nothing depends on timing.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { READINESS_REUSE_MS, sharedCheck } from '../../app/src/routes/health';
import { postgresBackend, startApp, until } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
  app = undefined;
});

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('GET /readyz under a flood of probes', () => {
  it('runs one database query for 50 concurrent probes, and all of them get 200', async () => {
    app = await startApp(backend.appOptions());
    const query = app.db.query.bind(app.db);
    const held = gate();
    const pings: string[] = [];
    vi.spyOn(app.db, 'query').mockImplementation(async (sql: string, params?: readonly unknown[]) => {
      if (sql === 'SELECT 1') {
        pings.push(sql);
        await held.opened;
      }
      return query(sql, params);
    });

    const probes = Array.from({ length: 50 }, () => app!.inject({ url: '/readyz' }));
    await until(async () => pings.length > 0, 'the readiness query');
    // Let every probe reach its handler while the first query is held open.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(pings).toHaveLength(1);
    held.open();
    const answers = await Promise.all(probes);
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(50).fill(200));
    expect(answers.every((answer) => answer.json().status === 'ok')).toBe(true);
    expect(pings).toHaveLength(1);
  });
});

describe('sharedCheck', () => {
  it('runs the check once for concurrent callers and reuses its outcome for reuseMs after it settles', async () => {
    let now = 0;
    let runs = 0;
    let current = gate();
    const check = sharedCheck(async () => {
      runs += 1;
      await current.opened;
    }, READINESS_REUSE_MS, () => now);

    const callers = [check(), check(), check()];
    expect(runs).toBe(1);
    current.open();
    await Promise.all(callers);
    now = READINESS_REUSE_MS - 1;
    await check();
    expect(runs).toBe(1);
    now = READINESS_REUSE_MS;
    current = gate();
    const next = check();
    expect(runs).toBe(2);
    current.open();
    await next;
  });

  it('shares a failure the same way: every caller sees it, and the next check after reuseMs runs again', async () => {
    let now = 0;
    let runs = 0;
    const check = sharedCheck(async () => {
      runs += 1;
      throw new Error(`down ${runs}`);
    }, 1_000, () => now);
    await expect(Promise.all([check(), check()])).rejects.toThrow('down 1');
    await expect(check()).rejects.toThrow('down 1');
    now = 1_000;
    await expect(check()).rejects.toThrow('down 2');
    expect(runs).toBe(2);
  });
});
