/**
 * The artefact the container runs: `npm run build:app`'s app/dist/server.js, started as
 * a process against a real PostgreSQL with tracing on (to a fake OTLP collector), then
 * stopped with SIGTERM while a request is in flight.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildBundle, RUNTIME_EXTERNALS } from '../../app/build';
import { freePort, postgresBackend } from './support';

const dist = join(__dirname, '..', '..', 'app', 'dist');
const SHUTDOWN_TIMEOUT_MS = 10_000;
const backend = postgresBackend();

let collector: Server;
const exportedSpans: string[] = [];
let app: ChildProcess;
let output = '';
let base: string;


async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; app output:\n${output}`);
}

beforeAll(async () => {
  await Promise.all([buildBundle(), backend.start()]);
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') exportedSpans.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = spawn(process.execPath, [join(dist, 'server.js')], {
    cwd: dist,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: backend.server!.url,
      DB_SSL: 'disable',
      STAGE: 'bundle-test',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      TRACE_SAMPLE_RATE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app.stdout!.on('data', (chunk) => (output += chunk));
  app.stderr!.on('data', (chunk) => (output += chunk));
  await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'the bundle to become ready');
});

afterAll(async () => {
  if (app && app.exitCode === null) app.kill('SIGKILL');
  collector?.close();
  await backend.stop();
});

describe('app/dist', () => {
  it('holds everything the image needs: bundle, migrations, and a manifest of exactly the external packages', () => {
    const manifest = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...RUNTIME_EXTERNALS].sort());
    for (const version of Object.values(manifest.dependencies)) expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(readFileSync(join(dist, 'migrations', '001.do.users.sql'), 'utf8')).toContain('CREATE TABLE users');

    // Every module the bundle requires at run time is a Node builtin or a shipped package.
    const bundle = readFileSync(join(dist, 'server.js'), 'utf8');
    // (Occurrences inside string literals are Ajv's code-generation templates and the AWS
    // SDK's "register it by calling [require(...)]" error text, not requires.)
    const required = new Set([...bundle.matchAll(/(?<![`'"[])require\("([^"./][^"]*)"\)/g)].map((m) => m[1]));
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const notShipped = [...required].filter((name) => !builtins.has(name) && !RUNTIME_EXTERNALS.some((pkg) => name === pkg || name.startsWith(`${pkg}/`)));
    expect(notShipped.sort()).toEqual(['@electric-sql/pglite', 'pg-native'].filter((name) => required.has(name)));
  });

  it('ships the migration step as migrate.js: it creates the runtime role and exits 0', () => {
    const url = new URL(backend.server!.url);
    const runtimeUrl = new URL(backend.server!.url);
    runtimeUrl.username = 'bundle_runtime';
    runtimeUrl.password = 'bundle-Password-1';
    const step = spawnSync(process.execPath, [join(dist, 'migrate.js')], {
      cwd: dist,
      env: { PATH: process.env.PATH, DATABASE_URL: runtimeUrl.toString(), MIGRATION_DATABASE_URL: url.toString(), DB_SSL: 'disable' },
      encoding: 'utf8',
    });
    expect(step.status, step.stdout + step.stderr).toBe(0);
    expect(JSON.parse(step.stdout.trim())).toMatchObject({ level: 'info', msg: 'schema up to date', runtimeRole: 'bundle_runtime', runtimeLogin: 'created', applied: [] });
  });

  it('serves the API against PostgreSQL and logs JSON lines', async () => {
    const registered = await fetch(`${base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bundle@example.com' }) });
    expect(registered.status).toBe(201);
    const { token } = (await registered.json()) as { token: string };
    const listed = await fetch(`${base}/v1/notes`, { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('strict-transport-security')).toBeTruthy();
    await until(async () => /"url":"\/v1\/notes","statusCode":200/.test(output), 'the request log line');
    const line = output.split('\n').find((l) => l.includes('"url":"/v1/notes"'))!;
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', statusCode: 200, requestId: expect.any(String) });
  });

  it('with APP_TLS=self-signed and no reachable database: stays up, answers /healthz over HTTPS and /readyz 503', async () => {
    const tlsPort = await freePort();
    let tlsOutput = '';
    const tlsApp = spawn(process.execPath, [join(dist, 'server.js')], {
      cwd: dist,
      // Port 1 on loopback: nothing listens, every connection attempt is refused.
      env: { PATH: process.env.PATH, PORT: String(tlsPort), HOST: '127.0.0.1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DB_SSL: 'disable', APP_TLS: 'self-signed' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tlsApp.stdout!.on('data', (chunk) => (tlsOutput += chunk));
    tlsApp.stderr!.on('data', (chunk) => (tlsOutput += chunk));
    try {
      const statusOf = (path: string) =>
        new Promise<number>((resolve, reject) => {
          httpsGet({ host: '127.0.0.1', port: tlsPort, path, rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject);
        });
      await until(async () => (await statusOf('/healthz')) === 200, `HTTPS liveness from the bundle:\n${tlsOutput}`);
      expect(await statusOf('/readyz')).toBe(503);
      expect(tlsApp.exitCode).toBeNull();
      expect(tlsOutput).toContain('database not ready; retrying');
    } finally {
      tlsApp.kill('SIGKILL');
    }
  });

  it('on SIGTERM: readiness fails, the in-flight request completes, spans are flushed, exit 0 within the timeout', async () => {
    const registered = await fetch(`${base}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'drain@example.com' }) });
    const { token } = (await registered.json()) as { token: string };

    const locker = new Pool({ connectionString: backend.server!.url, max: 1 });
    const lock = await locker.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE notes IN ACCESS EXCLUSIVE MODE');
    const inFlight = fetch(`${base}/v1/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'drained', body: '' }),
    });
    await until(async () => (await backend.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).length > 0, 'the insert to block');

    const exited = new Promise<number | null>((resolve) => app.once('exit', (code) => resolve(code)));
    const signalledAt = Date.now();
    app.kill('SIGTERM');
    await until(async () => output.includes('shutting down'), 'the shutdown log line');
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();

    await lock.query('COMMIT');
    lock.release();
    await locker.end();
    expect((await inFlight).status).toBe(201);

    const code = await exited;
    expect(code, output).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(output).toContain('shutdown complete');

    // Tracing ran inside the bundle: HTTP server and pg spans, X-Ray-style trace ids.
    const spans = exportedSpans.join('\n');
    expect(spans).toMatch(/"kind":2/); // SERVER
    expect(spans).toMatch(/pg\.query|"db\.system(\.name)?"/);
    const traceId = /"traceId":"([0-9a-f]{32})"/.exec(spans)?.[1];
    expect(traceId).toBeDefined();
    // The X-Ray id generator puts the epoch seconds in the first 8 hex digits.
    expect(Math.abs(parseInt(traceId!.slice(0, 8), 16) - Date.now() / 1000)).toBeLessThan(600);
  });
});
