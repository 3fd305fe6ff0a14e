/**
 * `npm run bench`: the app against a real PostgreSQL seeded with 100,000 notes over 1,000
 * users, measured with autocannon at 100 connections, next to two baselines measured the
 * same way on the same core. The load generator (this process) is pinned to one core and
 * each server under test to the other with taskset; PostgreSQL is not pinned (a 2-core
 * machine has no third core to give it), so it competes with both — see docs/capacity.md.
 *
 * Writes bench/results.json and prints requests/s, p50, p99 and each endpoint's ratios
 * (requests/s and p99) to its baseline: at saturation, at the fixed rates 1,000 and 3,000
 * requests/s, and over HTTPS (APP_TLS=self-signed) next to plain HTTP.
 * Env: BENCH_DURATION_S (default 10), BENCH_CONNECTIONS (default 100),
 * BENCH_REQUEST_LOG_SAMPLE_RATE (default 0.01 as in prod; 1 logs every request as dev does).
 */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { buildApp as buildBundle } from '../../app/build';
import { createPostgresDatabase } from '../../app/src/db/database';
import { migrate } from '../../app/src/db/migrate';
import { hashToken, newToken } from '../../app/src/tokens';
import { startThrowawayPostgres } from '../../scripts/throwaway-postgres';

const USERS = 1_000;
const NOTES_PER_USER = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const POOL_SIZE = 20;
const REQUEST_LOG_SAMPLE_RATE = process.env.BENCH_REQUEST_LOG_SAMPLE_RATE ?? '0.01';
/** Requests per second per task that the ALB request-count scaling target corresponds to, and a busier point. */
const FIXED_RATES = [1_000, 3_000];
const root = join(__dirname, '..', '..');
const [LOADGEN_CORE, SERVER_CORE] = cpus().length >= 2 ? ['0', '1'] : ['0', '0'];

interface Seed {
  users: Array<{ id: string; token: string; noteIds: string[] }>;
}

interface Row {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  baseline?: string;
  ratioToBaseline?: number;
  /** This row's p99 over its baseline's: below 1 is faster. */
  p99RatioToBaseline?: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];

async function seed(url: string): Promise<Seed> {
  const db = await createPostgresDatabase({ kind: 'postgres', connectionString: url, ssl: { mode: 'disable' }, poolSize: 2 }, { warn: () => undefined, info: () => undefined });
  await migrate(db);
  await db.close();
  const pool = new Pool({ connectionString: url, max: 2 });
  const tokens = Array.from({ length: USERS }, () => newToken());
  await pool.query('INSERT INTO users (email, token_hash) SELECT * FROM unnest($1::text[], $2::bytea[])', [
    tokens.map((_, i) => `bench${i}@example.com`),
    tokens.map((token) => hashToken(token)),
  ]);
  await pool.query(
    `INSERT INTO notes (user_id, title, body)
     SELECT u.id, 'note ' || g, repeat('lorem ipsum ', 20) FROM users u CROSS JOIN generate_series(1, $1) g`,
    [NOTES_PER_USER],
  );
  await pool.query('VACUUM ANALYZE');
  const { rows } = await pool.query<{ id: string; email: string; note_ids: string[] }>(
    'SELECT u.id, u.email, array_agg(n.id) AS note_ids FROM users u JOIN notes n ON n.user_id = u.id GROUP BY u.id, u.email',
  );
  await pool.end();
  const tokenByEmail = new Map(tokens.map((token, i) => [`bench${i}@example.com`, token]));
  return { users: rows.map((row) => ({ id: row.id, token: tokenByEmail.get(row.email)!, noteIds: row.note_ids })) };
}

/** Status of a GET; over HTTPS without verifying (the app's certificate is generated at start). */
function status(url: string): Promise<number> {
  if (!url.startsWith('https:')) return fetch(url).then((response) => response.status);
  return new Promise((resolve, reject) => {
    httpsRequest(url, { rejectUnauthorized: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await status(url)) < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function startServer(args: string[], env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttp(readyUrl);
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

type SetupRequest = (request: autocannon.Request) => autocannon.Request;

async function measure(name: string, url: string, setupRequest: SetupRequest, extra: Partial<autocannon.Options> = {}): Promise<Row> {
  const options = { url, connections: CONNECTIONS, pipelining: 1, requests: [{ setupRequest }], ...extra } as autocannon.Options;
  await autocannon({ ...options, duration: 2 }); // warm-up: JIT, pool connections, caches
  const result = await autocannon({ ...options, duration: DURATION_S });
  const row = {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
  console.error(`  ${name}: ${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, errors ${row.errors}, non-2xx ${row.non2xx}`);
  return row;
}

async function main(): Promise<void> {
  console.error(`bench: ${USERS} users x ${NOTES_PER_USER} notes, ${CONNECTIONS} connections, ${DURATION_S} s per run`);
  const pg = await startThrowawayPostgres({ settings: { max_connections: '300', shared_buffers: '256MB' } });
  // Pin this process (the load generator) after PostgreSQL started, so PostgreSQL stays unpinned.
  execFileSync('taskset', ['-pc', LOADGEN_CORE, String(process.pid)], { stdio: 'ignore' });
  const rows: Row[] = [];
  try {
    console.error('seeding...');
    const data = await seed(pg.url);
    await buildBundle();
    const json = { 'content-type': 'application/json' };
    const port = '3300';
    const base = `http://127.0.0.1:${port}`;

    console.error('baseline: bare node http');
    let server = await startServer(['--import', 'tsx', 'bench/app/baselines.ts', 'http'], { PORT: port }, base);
    rows.push(await measure('bare http (ceiling)', base, (r) => ({ ...r, method: 'GET', path: '/' })));
    await stopServer(server);

    console.error('baseline: bare Fastify + pg');
    server = await startServer(['--import', 'tsx', 'bench/app/baselines.ts', 'fastify-pg'], { PORT: port, DATABASE_URL: pg.url, DB_POOL_SIZE: String(POOL_SIZE) }, `${base}/note/${randomUUID()}`);
    const bareSelect: SetupRequest = (r) => ({ ...r, method: 'GET', path: `/note/${pick(pick(data.users).noteIds)}` });
    rows.push(await measure('bare Fastify+pg SELECT by id', base, bareSelect));
    for (const rate of FIXED_RATES) rows.push(await measure(`bare Fastify+pg SELECT by id at ${rate} req/s`, base, bareSelect, { overallRate: rate }));
    rows.push(
      await measure('bare Fastify+pg INSERT', base, (r) => ({
        ...r,
        method: 'POST',
        path: '/note',
        headers: json,
        body: JSON.stringify({ userId: pick(data.users).id, title: 'bench', body: 'written by the benchmark' }),
      })),
    );
    await stopServer(server);

    // As in prod unless told otherwise: 1 % of fast, successful requests logged (lib/config/stages/prod.ts).
    const appEnv = {
      PORT: port,
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      DB_SSL: 'disable',
      DB_POOL_SIZE: String(POOL_SIZE),
      RATE_LIMIT_PER_IP: '10000000',
      RATE_LIMIT_PER_USER: '10000000',
      LOG_LEVEL: 'info',
      REQUEST_LOG_SAMPLE_RATE,
      STAGE: 'bench',
    };
    const auth = (user: Seed['users'][number]) => ({ authorization: `Bearer ${user.token}` });
    const appRead: SetupRequest = (r) => {
      const user = pick(data.users);
      return { ...r, method: 'GET', path: `/v1/notes/${pick(user.noteIds)}`, headers: auth(user) };
    };

    console.error('app (app/dist/server.js)');
    server = await startServer(['app/dist/server.js'], appEnv, `${base}/readyz`);
    rows.push(await measure('app GET /v1/notes/:id', base, appRead));
    // The per-task rate the autoscaling target is set to (docs/capacity.md) and a busier
    // one: latency there, not at saturation, is what users see in steady state.
    for (const rate of FIXED_RATES) rows.push(await measure(`app GET /v1/notes/:id at ${rate} req/s`, base, appRead, { overallRate: rate }));
    rows.push(
      await measure('app GET /v1/notes?limit=20', base, (r) => {
        const user = pick(data.users);
        return { ...r, method: 'GET', path: '/v1/notes?limit=20', headers: auth(user) };
      }),
    );
    rows.push(
      await measure('app POST /v1/notes', base, (r) => ({
        ...r,
        method: 'POST',
        path: '/v1/notes',
        headers: { ...json, ...auth(pick(data.users)) },
        body: JSON.stringify({ title: 'bench', body: 'written by the benchmark' }),
      })),
    );
    await stopServer(server);

    // The ALB → task hop over TLS (APP_TLS=self-signed), keep-alive connections as the ALB keeps them.
    console.error('app over HTTPS (APP_TLS=self-signed)');
    const tlsBase = `https://127.0.0.1:${port}`;
    server = await startServer(['app/dist/server.js'], { ...appEnv, APP_TLS: 'self-signed' }, `${tlsBase}/readyz`);
    rows.push(await measure('app GET /v1/notes/:id over HTTPS', tlsBase, appRead));
    rows.push(await measure(`app GET /v1/notes/:id over HTTPS at ${FIXED_RATES[0]} req/s`, tlsBase, appRead, { overallRate: FIXED_RATES[0] }));
    await stopServer(server);
  } finally {
    await pg.stop();
  }

  const byName = new Map(rows.map((row) => [row.name, row]));
  const compare = (name: string, baseline: string): void => {
    const row = byName.get(name)!;
    row.baseline = baseline;
    const base = byName.get(baseline)!;
    row.ratioToBaseline = Math.round((row.requestsPerSecond / base.requestsPerSecond) * 1000) / 1000;
    row.p99RatioToBaseline = Math.round((row.p99Ms / Math.max(1, base.p99Ms)) * 100) / 100;
  };
  compare('bare Fastify+pg SELECT by id', 'bare http (ceiling)');
  compare('bare Fastify+pg INSERT', 'bare http (ceiling)');
  compare('app GET /v1/notes/:id', 'bare Fastify+pg SELECT by id');
  compare('app GET /v1/notes?limit=20', 'bare Fastify+pg SELECT by id');
  compare('app POST /v1/notes', 'bare Fastify+pg INSERT');
  for (const rate of FIXED_RATES) compare(`app GET /v1/notes/:id at ${rate} req/s`, `bare Fastify+pg SELECT by id at ${rate} req/s`);
  compare('app GET /v1/notes/:id over HTTPS', 'app GET /v1/notes/:id');
  compare(`app GET /v1/notes/:id over HTTPS at ${FIXED_RATES[0]} req/s`, `app GET /v1/notes/:id at ${FIXED_RATES[0]} req/s`);

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadGeneratorCore: LOADGEN_CORE, serverCore: SERVER_CORE },
    settings: { users: USERS, notes: USERS * NOTES_PER_USER, connections: CONNECTIONS, durationSeconds: DURATION_S, poolSize: POOL_SIZE, requestLogSampleRate: REQUEST_LOG_SAMPLE_RATE },
    targets: { readP99Ms: 50, readRatioToSelect: 0.6, writeP99Ms: 50, writeRatioToInsert: 0.5, readP99RatioToSelect: 2, fixedRateP99RatioToSelect: 1.5 },
    rows,
  };
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log('');
  console.log('| scenario | req/s | p50 ms | p99 ms | errors | non-2xx | req/s ratio to baseline | p99 ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
  for (const row of rows) {
    const ratio = row.ratioToBaseline === undefined ? '' : `${(row.ratioToBaseline * 100).toFixed(1)} % of ${row.baseline}`;
    const p99Ratio = row.p99RatioToBaseline === undefined ? '' : `${row.p99RatioToBaseline.toFixed(2)}x`;
    console.log(`| ${row.name} | ${row.requestsPerSecond} | ${row.p50Ms} | ${row.p99Ms} | ${row.errors} | ${row.non2xx} | ${ratio} | ${p99Ratio} |`);
  }
  console.log('\nwritten: bench/results.json');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
