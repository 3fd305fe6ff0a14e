/**
 * `npm run bench`: the app against a real PostgreSQL seeded with 100,000 notes over 1,000
 * users, measured with autocannon at 100 connections, next to its baselines measured the
 * same way on the same core. The load generator (this process) is pinned to one core and
 * every server under test to the other with taskset; PostgreSQL is not pinned (a 2-core
 * machine has no third core to give it), so it competes with both — see docs/capacity.md.
 *
 * The machine is shared, so absolute figures drift by a factor of several within minutes.
 * Every comparison is therefore a pair measured back to back, and interleaved: all
 * servers run at once (only the one measured is loaded), each round measures every pair,
 * and the order within a pair alternates from round to round (baseline first, then app
 * first), so drift in the machine's load hits both sides alike. Each pair reports the
 * median over rounds of requests/s and p99 for each side, the ratios of those medians,
 * and the range of the per-round p99 ratios; the load average is printed with them, and
 * PostgreSQL's CPU time per request (from /proc), which the capacity model sizes the
 * database with.
 *
 * Writes bench/results.json (every measurement of every round) and prints the table.
 * Env: BENCH_DURATION_S (default 10), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS
 * (default 100), BENCH_PAIRS (comma-separated pair ids, default all), BENCH_APP_NODE_ARGS
 * (extra node flags for the app, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile),
 * BENCH_REQUEST_LOG_SAMPLE_RATE (default 0.01 as in prod; 1 logs every request as dev does).
 */
import autocannon from 'autocannon';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { buildApp as buildBundle } from '../../app/build';
import { createPostgresDatabase } from '../../app/src/db/database';
import { migrate } from '../../app/src/db/migrate';
import { hashToken, newToken } from '../../app/src/tokens';
import { startThrowawayPostgres } from '../../scripts/throwaway-postgres';
import { postgresCpuSeconds } from './postgres-cpu';
import type { BenchResults, Measurement, PairResult } from './results';

const USERS = 1_000;
const NOTES_PER_USER = 100;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const POOL_SIZE = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUEST_LOG_SAMPLE_RATE = process.env.BENCH_REQUEST_LOG_SAMPLE_RATE ?? '0.01';
const APP_NODE_ARGS = (process.env.BENCH_APP_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const PAIRS = process.env.BENCH_PAIRS?.split(',').map((id) => id.trim());
/** Requests per second per task that the ALB request-count scaling target corresponds to, and a busier point. */
const FIXED_RATES = [1_000, 3_000];
const root = join(__dirname, '..', '..');
const [LOADGEN_CORE, SERVER_CORE] = cpus().length >= 2 ? ['0', '1'] : ['0', '0'];

interface Seed {
  users: Array<{ id: string; token: string; noteIds: string[] }>;
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

async function startServer(name: string, args: string[], env: Record<string, string>, readyUrl: string): Promise<Server> {
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHttp(readyUrl);
  console.error(`  started ${name}`);
  return { name, child };
}

interface Server {
  readonly name: string;
  readonly child: ChildProcess;
}

async function stopServer({ child }: Server): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

type SetupRequest = (request: autocannon.Request) => autocannon.Request;

/** One side of a comparison: what to load, and how. */
interface Load {
  readonly name: string;
  readonly url: string;
  readonly setupRequest: SetupRequest;
  readonly rate?: number;
}

/** A baseline and the thing compared with it, measured back to back in every round. */
interface Pair {
  readonly id: string;
  readonly baseline: Load;
  readonly subject: Load;
  /** The p99 ratio (subject over baseline) issue 11 sets as the bar, if any. */
  readonly p99RatioTarget?: number;
}

async function measure(load: Load, databaseDir: string): Promise<Measurement> {
  const options = {
    url: load.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: DURATION_S,
    requests: [{ setupRequest: load.setupRequest }],
    ...(load.rate && { overallRate: load.rate }),
  } as autocannon.Options;
  // Only the server measured is loaded, so the database's CPU over the window is its.
  const databaseCpuBefore = postgresCpuSeconds(databaseDir);
  const result = await autocannon(options);
  const databaseCpuSeconds = postgresCpuSeconds(databaseDir) - databaseCpuBefore;
  const measurement = {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    databaseCpuMsPerRequest: Math.round((databaseCpuSeconds * 1000 * 1000) / Math.max(1, result.requests.total)) / 1000,
  };
  console.error(
    `    ${load.name}: ${measurement.requestsPerSecond} req/s, p50 ${measurement.p50Ms} ms, p99 ${measurement.p99Ms} ms, errors ${measurement.errors}, non-2xx ${measurement.non2xx}, load ${measurement.loadAverage1m}, PostgreSQL CPU ${measurement.databaseCpuMsPerRequest} ms/request`,
  );
  return measurement;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round2 = (value: number): number => Math.round(value * 100) / 100;

function medianMeasurement(measurements: Measurement[]): Measurement {
  const of = (key: Exclude<keyof Measurement, 'databaseCpuMsPerRequest'>): number => median(measurements.map((m) => m[key]));
  const databaseCpu = measurements.map((m) => m.databaseCpuMsPerRequest).filter((ms): ms is number => ms !== undefined);
  return {
    requestsPerSecond: Math.round(of('requestsPerSecond')),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    errors: measurements.reduce((sum, m) => sum + m.errors, 0),
    non2xx: measurements.reduce((sum, m) => sum + m.non2xx, 0),
    loadAverage1m: of('loadAverage1m'),
    ...(databaseCpu.length > 0 && { databaseCpuMsPerRequest: median(databaseCpu) }),
  };
}

function summarize(pair: Pair, rounds: PairResult['rounds']): PairResult {
  const baseline = medianMeasurement(rounds.map((r) => r.baseline));
  const subject = medianMeasurement(rounds.map((r) => r.subject));
  const ratios = rounds.map((r) => r.p99Ratio);
  return {
    id: pair.id,
    baseline: pair.baseline.name,
    subject: pair.subject.name,
    rounds,
    median: { baseline, subject },
    requestsPerSecondRatio: round2(subject.requestsPerSecond / Math.max(1, baseline.requestsPerSecond)),
    p99Ratio: round2(subject.p99Ms / Math.max(1, baseline.p99Ms)),
    p99RatioRange: [Math.min(...ratios), Math.max(...ratios)],
    ...(pair.p99RatioTarget && { p99RatioTarget: pair.p99RatioTarget }),
  };
}

async function main(): Promise<void> {
  console.error(`bench: ${USERS} users x ${NOTES_PER_USER} notes, ${CONNECTIONS} connections, ${DURATION_S} s per measurement, ${ROUNDS} rounds, load average ${loadavg().map(round2).join(' ')}`);
  const pg = await startThrowawayPostgres({ settings: { max_connections: '300', shared_buffers: '256MB' } });
  // Pin this process (the load generator) after PostgreSQL started, so PostgreSQL stays unpinned.
  execFileSync('taskset', ['-pc', LOADGEN_CORE, String(process.pid)], { stdio: 'ignore' });
  const servers: Server[] = [];
  let ceiling: Measurement | undefined;
  const results: PairResult[] = [];
  const loadBefore = loadavg().map(round2);
  try {
    console.error('seeding...');
    const data = await seed(pg.url);
    await buildBundle();
    const json = { 'content-type': 'application/json' };
    const base = (port: number, scheme = 'http') => `${scheme}://127.0.0.1:${port}`;
    const [ceilingPort, barePort, appPort, tlsPort] = [3300, 3301, 3302, 3303];

    // As in prod unless told otherwise: 1 % of fast, successful requests logged (lib/config/stages/prod.ts).
    const appEnv = {
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
    console.error('starting servers');
    servers.push(await startServer('bare node http', ['--import', 'tsx', 'bench/app/baselines.ts', 'http'], { PORT: String(ceilingPort) }, base(ceilingPort)));
    servers.push(
      await startServer('bare Fastify + pg', ['--import', 'tsx', 'bench/app/baselines.ts', 'fastify-pg'], { PORT: String(barePort), DATABASE_URL: pg.url, DB_POOL_SIZE: String(POOL_SIZE) }, `${base(barePort)}/note/${randomUUID()}`),
    );
    servers.push(await startServer('app', [...APP_NODE_ARGS, 'app/dist/server.js'], { ...appEnv, PORT: String(appPort) }, `${base(appPort)}/readyz`));
    // The ALB → task hop over TLS (APP_TLS=self-signed), keep-alive connections as the ALB keeps them.
    servers.push(await startServer('app over HTTPS', [...APP_NODE_ARGS, 'app/dist/server.js'], { ...appEnv, PORT: String(tlsPort), APP_TLS: 'self-signed' }, `${base(tlsPort, 'https')}/readyz`));

    const auth = (user: Seed['users'][number]) => ({ authorization: `Bearer ${user.token}` });
    const bareSelect: SetupRequest = (r) => ({ ...r, method: 'GET', path: `/note/${pick(pick(data.users).noteIds)}` });
    const appRead: SetupRequest = (r) => {
      const user = pick(data.users);
      return { ...r, method: 'GET', path: `/v1/notes/${pick(user.noteIds)}`, headers: auth(user) };
    };
    const select = (rate?: number): Load => ({ name: `bare Fastify+pg SELECT by id${rate ? ` at ${rate} req/s` : ''}`, url: base(barePort), setupRequest: bareSelect, rate });
    const read = (rate?: number, tls = false): Load => ({
      name: `app GET /v1/notes/:id${tls ? ' over HTTPS' : ''}${rate ? ` at ${rate} req/s` : ''}`,
      url: tls ? base(tlsPort, 'https') : base(appPort),
      setupRequest: appRead,
      rate,
    });
    const allPairs: Pair[] = [
      { id: 'read', baseline: select(), subject: read(), p99RatioTarget: 2 },
      // The per-task rate the autoscaling target is set to (docs/capacity.md) and a busier
      // one: latency there, not at saturation, is what users see in steady state.
      ...FIXED_RATES.map((rate) => ({ id: `read-${rate}`, baseline: select(rate), subject: read(rate), p99RatioTarget: 1.5 })),
      {
        id: 'list',
        baseline: select(),
        subject: {
          name: 'app GET /v1/notes?limit=20',
          url: base(appPort),
          setupRequest: (r: autocannon.Request) => ({ ...r, method: 'GET', path: '/v1/notes?limit=20', headers: auth(pick(data.users)) }),
        },
      },
      {
        id: 'write',
        baseline: {
          name: 'bare Fastify+pg INSERT',
          url: base(barePort),
          setupRequest: (r: autocannon.Request) => ({ ...r, method: 'POST', path: '/note', headers: json, body: JSON.stringify({ userId: pick(data.users).id, title: 'bench', body: 'written by the benchmark' }) }),
        },
        subject: {
          name: 'app POST /v1/notes',
          url: base(appPort),
          setupRequest: (r: autocannon.Request) => ({ ...r, method: 'POST', path: '/v1/notes', headers: { ...json, ...auth(pick(data.users)) }, body: JSON.stringify({ title: 'bench', body: 'written by the benchmark' }) }),
        },
      },
      { id: 'tls', baseline: read(), subject: read(undefined, true) },
      { id: `tls-${FIXED_RATES[0]}`, baseline: read(FIXED_RATES[0]), subject: read(FIXED_RATES[0], true) },
    ];
    const pairs = allPairs.filter((pair) => !PAIRS || PAIRS.includes(pair.id));
    if (pairs.length === 0) throw new Error(`BENCH_PAIRS selects none of the pairs (${PAIRS?.join(', ')})`);

    console.error('ceiling: bare node http');
    ceiling = await measure({ name: 'bare http (ceiling)', url: base(ceilingPort), setupRequest: (r: autocannon.Request) => ({ ...r, method: 'GET', path: '/' }) }, pg.dataDir);

    console.error('warm-up: every load once, 2 s, not recorded');
    for (const pair of pairs) for (const load of [pair.baseline, pair.subject]) await autocannon({ url: load.url, connections: CONNECTIONS, duration: 2, requests: [{ setupRequest: load.setupRequest }] } as autocannon.Options);

    const rounds = new Map<string, PairResult['rounds']>(pairs.map((pair) => [pair.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      console.error(`round ${round + 1} of ${ROUNDS}`);
      for (const pair of pairs) {
        // Alternate which side goes first, so a trend in the machine's load favours neither.
        const baselineFirst = round % 2 === 0;
        const first = await measure(baselineFirst ? pair.baseline : pair.subject, pg.dataDir);
        const second = await measure(baselineFirst ? pair.subject : pair.baseline, pg.dataDir);
        const [baseline, subject] = baselineFirst ? [first, second] : [second, first];
        rounds.get(pair.id)!.push({ baseline, subject, p99Ratio: round2(subject.p99Ms / Math.max(1, baseline.p99Ms)) });
      }
    }
    for (const pair of pairs) results.push(summarize(pair, rounds.get(pair.id)!));
  } finally {
    for (const server of servers) await stopServer(server);
    await pg.stop();
  }

  const output: BenchResults = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadGeneratorCore: LOADGEN_CORE, serverCore: SERVER_CORE, loadAverageBefore: loadBefore, loadAverageAfter: loadavg().map(round2) },
    settings: { users: USERS, notes: USERS * NOTES_PER_USER, connections: CONNECTIONS, durationSeconds: DURATION_S, rounds: ROUNDS, poolSize: POOL_SIZE, requestLogSampleRate: REQUEST_LOG_SAMPLE_RATE, appNodeArgs: APP_NODE_ARGS },
    ceiling,
    pairs: results,
  };
  writeFileSync(join(root, 'bench', 'results.json'), `${JSON.stringify(output, null, 2)}\n`);

  console.log('');
  console.log(`load average before ${output.machine.loadAverageBefore.join(' ')}, after ${output.machine.loadAverageAfter.join(' ')} (${cpus().length} cores); ceiling (bare node http) ${ceiling?.requestsPerSecond} req/s`);
  console.log(`medians over ${ROUNDS} interleaved rounds of ${DURATION_S} s:`);
  console.log('');
  console.log('| pair | baseline | req/s | p99 ms | subject | req/s | p50 ms | p99 ms | req/s ratio | p99 ratio (rounds) | p99 target | errors, non-2xx |');
  console.log('| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | ---: |');
  for (const r of results) {
    const { baseline: b, subject: s } = r.median;
    const target = r.p99RatioTarget === undefined ? '' : `≤ ${r.p99RatioTarget}x: ${r.p99Ratio <= r.p99RatioTarget ? 'met' : 'missed'}`;
    console.log(
      `| ${r.id} | ${r.baseline} | ${b.requestsPerSecond} | ${b.p99Ms} | ${r.subject} | ${s.requestsPerSecond} | ${s.p50Ms} | ${s.p99Ms} | ${(r.requestsPerSecondRatio * 100).toFixed(0)} % | ` +
        `${r.p99Ratio.toFixed(2)}x (${r.p99RatioRange[0].toFixed(2)}–${r.p99RatioRange[1].toFixed(2)}) | ${target} | ${b.errors + s.errors}, ${b.non2xx + s.non2xx} |`,
    );
  }
  console.log('\nwritten: bench/results.json');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
