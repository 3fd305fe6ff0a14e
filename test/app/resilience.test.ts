/**
 * Behaviour under failure, against a real PostgreSQL server: losing the database mid-run,
 * draining in-flight requests on shutdown, and 50-task-style concurrent migrations.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app/src/app';
import { createPostgresDatabase } from '../../app/src/db/database';
import { migrate, readMigrations } from '../../app/src/db/migrate';
import { gracefulShutdown } from '../../app/src/shutdown';
import { expectProblem, postgresBackend, register, startApp, until } from './support';

const backend = postgresBackend();
const quietLog = { warn: () => undefined, info: () => undefined };

beforeAll(() => backend.start());
afterAll(() => backend.stop());


describe('database loss mid-run', () => {
  let app: FastifyInstance;
  afterAll(() => app?.close());

  it('answers 503 problem+json and readiness false while the database is down, then recovers on its own', async () => {
    app = await startApp(backend.appOptions());
    const user = await register(app);
    const note = { method: 'POST' as const, url: '/v1/notes', headers: user.auth, payload: { title: 't', body: 'b' } };
    expect((await app.inject(note)).statusCode).toBe(201);

    await backend.server!.pause();

    const unavailable = expectProblem(await app.inject(note), 503);
    expect(unavailable.title).toBe('Service Unavailable');
    expectProblem(await app.inject({ url: '/v1/notes', headers: user.auth }), 503);
    expectProblem(await app.inject({ method: 'POST', url: '/v1/users', payload: { email: 'down@example.com' } }), 503);
    const readiness = await app.inject('/readyz');
    expectProblem(readiness, 503);
    expect(readiness.headers['retry-after']).toBeDefined();
    expect((await app.inject('/healthz')).statusCode).toBe(200);

    await backend.server!.start();

    await until(async () => (await app.inject('/readyz')).statusCode === 200, 'readiness after the database returned');
    expect((await app.inject(note)).statusCode).toBe(201);
  });
});

describe('graceful shutdown', () => {
  it('fails readiness at once, refuses new connections, lets the in-flight request finish, then closes the pool', async () => {
    const app = await startApp(backend.appOptions());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const user = await register(app);

    // Hold a lock on notes so the next insert stays in flight until we release it.
    const locker = new Pool({ connectionString: backend.server!.url, max: 1 });
    const lockClient = await locker.connect();
    await lockClient.query('BEGIN');
    await lockClient.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');

    const inFlight = fetch(`${base}/v1/notes`, {
      method: 'POST',
      headers: { ...user.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'in flight', body: 'must not be lost' }),
    });
    await until(
      async () => (await backend.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO notes%'")).length > 0,
      'the insert to wait on the lock',
    );

    let drained: boolean | undefined;
    const shutdown = gracefulShutdown(app, 15_000).then((result) => (drained = result));

    expectProblem(await app.inject('/readyz'), 503);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(drained).toBeUndefined();

    await lockClient.query('COMMIT');
    lockClient.release();
    await locker.end();

    const response = await inFlight;
    expect(response.status).toBe(201);
    expect(await shutdown).toBe(true);
    expect(await backend.query("SELECT 1 FROM notes WHERE title = 'in flight'")).toHaveLength(1);
  });

  it('reports a missed deadline instead of hanging', async () => {
    const app = await buildApp(backend.appOptions());
    app.addHook('onClose', () => new Promise((resolve) => setTimeout(resolve, 2_000)));
    expect(await gracefulShutdown(app, 100)).toBe(false);
  });
});

describe('migrations', () => {
  it('many tasks migrating at once apply each migration exactly once (advisory lock)', async () => {
    const { Client } = await import('pg');
    const admin = new Client({ connectionString: backend.server!.url });
    await admin.connect();
    await admin.query('CREATE DATABASE migrate_race');
    await admin.end();
    const url = backend.server!.url.replace(/\/[^/]+$/, '/migrate_race');

    const tasks = await Promise.all(
      Array.from({ length: 8 }, () =>
        createPostgresDatabase({ kind: 'postgres', connectionString: url, ssl: { mode: 'disable' }, poolSize: 2 }, quietLog),
      ),
    );
    const applied = await Promise.all(tasks.map((db) => migrate(db)));
    const versions = readMigrations().map((m) => m.version);
    expect(applied.flat().sort()).toEqual(versions);
    const rows = await tasks[0].query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(versions);
    expect(await migrate(tasks[0])).toEqual([]);
    await Promise.all(tasks.map((db) => db.close()));
  });
});
