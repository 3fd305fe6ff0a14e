/**
 * The artefact the container runs: what `npm run build:app` writes to app/dist, built
 * here into a directory of this test's own (stack tests in other workers package app/dist
 * as the image asset meanwhile), started as a process against a real PostgreSQL with
 * tracing on (to a fake OTLP collector), then stopped with SIGTERM while a request is in
 * flight.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { createServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildBundle, RUNTIME_EXTERNALS } from '../../app/build';
import { postgresBackend, spawnAppServer } from './support';

// Inside the repository, so the bundle's external packages resolve from node_modules as
// they do from app/dist.
const CACHE = join(__dirname, '..', '..', 'node_modules', '.cache');
mkdirSync(CACHE, { recursive: true });
const dist = mkdtempSync(join(CACHE, 'bulwark-bundle-test-'));
const SHUTDOWN_TIMEOUT_MS = 10_000;
const backend = postgresBackend();

let collector: Server;
const exportedSpans: string[] = [];
let app: ChildProcess;
let output: () => string;
let base: string;
/** Epoch seconds before the app started: its trace ids carry the seconds they were made. */
let startedAtSeconds: number;


async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; app output:\n${output?.() ?? ''}`);
}

beforeAll(async () => {
  await Promise.all([buildBundle(dist), backend.start()]);
  collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') exportedSpans.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));

  startedAtSeconds = Math.floor(Date.now() / 1000);
  const started = await spawnAppServer(
    [join(dist, 'server.js')],
    {
      DATABASE_URL: backend.server!.url,
      DB_SSL: 'disable',
      STAGE: 'bundle-test',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      TRACE_SAMPLE_RATE: '1',
    },
    dist,
  );
  ({ child: app, output } = started);
  base = `http://127.0.0.1:${started.port}`;
  await until(async () => (await fetch(`${base}/readyz`)).status === 200, 'the bundle to become ready');
});

afterAll(async () => {
  if (app && app.exitCode === null) app.kill('SIGKILL');
  collector?.close();
  await backend.stop();
  rmSync(dist, { recursive: true, force: true });
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

  it('ships the licences of the packages inlined into the bundles, beside server.js and into the image', () => {
    const notices = readFileSync(join(dist, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    const { packages } = JSON.parse(readFileSync(join(dist, 'bundled-packages.json'), 'utf8')) as { packages: Array<{ name: string; version: string; license: string }> };
    expect(packages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['fastify', 'pino', '@aws-sdk/client-secrets-manager']));
    // Installed in the image's node_modules with their own licence files, not inlined.
    for (const external of RUNTIME_EXTERNALS) expect(packages.map((pkg) => pkg.name)).not.toContain(external);
    for (const { name, version, license } of packages) expect(notices).toContain(`| \`${name}\` | ${version} | ${license} |`);
    expect(notices).toContain('Copyright (c) 2016-present The Fastify team');
    expect(readdirSync(dist).filter((file) => file.endsWith('.LEGAL.txt'))).toEqual([]);
    const dockerfile = readFileSync(join(__dirname, '..', '..', 'app', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY dist\/server\.js .*dist\/THIRD-PARTY-NOTICES\.md \.\/$/m);
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
    await until(async () => /"url":"\/v1\/notes","statusCode":200/.test(output()), 'the request log line');
    const line = output().split('\n').find((l) => l.includes('"url":"/v1/notes"'))!;
    expect(JSON.parse(line)).toMatchObject({ method: 'GET', statusCode: 200, requestId: expect.any(String) });
  });

  it('with APP_TLS=self-signed and no reachable database: stays up, answers /healthz over HTTPS and /readyz 503', async () => {
    const { child: tlsApp, port: tlsPort, output: tlsOutput } = await spawnAppServer(
      [join(dist, 'server.js')],
      // Port 1 on loopback: nothing listens, every connection attempt is refused.
      { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DB_SSL: 'disable', APP_TLS: 'self-signed' },
      dist,
    );
    try {
      const statusOf = (path: string) =>
        new Promise<number>((resolve, reject) => {
          httpsGet({ host: '127.0.0.1', port: tlsPort, path, rejectUnauthorized: false }, (res) => {
            res.resume();
            resolve(res.statusCode!);
          }).on('error', reject);
        });
      await until(async () => (await statusOf('/healthz')) === 200, 'HTTPS liveness from the bundle');
      expect(await statusOf('/readyz')).toBe(503);
      expect(tlsApp.exitCode).toBeNull();
      await until(async () => tlsOutput().includes('database not ready; retrying'), 'the database retry log line');
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
    app.kill('SIGTERM');
    await until(async () => output().includes('shutting down'), 'the shutdown log line');
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();

    await lock.query('COMMIT');
    lock.release();
    await locker.end();
    expect((await inFlight).status).toBe(201);

    // Exit 0 is the drain finishing inside SHUTDOWN_TIMEOUT_MS: past it the app exits 1.
    const code = await exited;
    expect(code, output()).toBe(0);
    expect(output()).toContain('shutdown complete');
    expect(output()).not.toContain('did not complete in time');

    // Tracing ran inside the bundle: HTTP server and pg spans, X-Ray-style trace ids.
    const spans = exportedSpans.join('\n');
    expect(spans).toMatch(/"kind":2/); // SERVER
    expect(spans).toMatch(/pg\.query|"db\.system(\.name)?"/);
    const traceId = /"traceId":"([0-9a-f]{32})"/.exec(spans)?.[1];
    expect(traceId).toBeDefined();
    // The X-Ray id generator puts the epoch seconds in the first 8 hex digits: a time
    // between this app's start and now.
    const idSeconds = parseInt(traceId!.slice(0, 8), 16);
    expect(idSeconds).toBeGreaterThanOrEqual(startedAtSeconds);
    expect(idSeconds).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });
});
