/**
 * Contract fuzzing (issue 11, item 6): schemathesis (pinned in requirements-dev.txt,
 * installed into .venv by scripts/setup-python.sh, which `npm test` runs first) reads the
 * app's /openapi.json and runs every phase (examples, coverage, fuzzing, stateful) with
 * every check against the app on a throwaway PostgreSQL, over real HTTP on 127.0.0.1.
 * It must find nothing. Settings and the one documented status override:
 * test/app/schemathesis/schemathesis.toml; how the fuzzer follows token rotation and
 * erasure: test/app/schemathesis/bulwark_hooks.py. A failure prints schemathesis's report
 * with the seed to replay it (`st run ... --seed N`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresBackend, startApp } from './support';

const ROOT = join(__dirname, '..', '..');
const SCHEMATHESIS = join(ROOT, '.venv', 'bin', 'st');
const SETTINGS = join(__dirname, 'schemathesis');
/** Test cases per operation and phase: about a minute on two cores. */
const MAX_EXAMPLES = 50;

const backend = postgresBackend();
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  await backend.start();
  // A small notes cap so the fuzzer meets the 409 too; rate limits out of the fuzzer's way.
  app = await startApp(backend.appOptions({ notesPerUserMax: 20, rateLimitPerIp: 10_000_000, rateLimitPerUser: 10_000_000 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await backend.stop();
});

function runSchemathesis(): Promise<{ code: number | null; output: string }> {
  const args = [
    '--config-file', join(SETTINGS, 'schemathesis.toml'),
    'run', `${baseUrl}/openapi.json`,
    '--checks', 'all',
    '--phases', 'examples,coverage,fuzzing,stateful',
    '--max-examples', String(MAX_EXAMPLES),
    '--workers', '1',
    '--no-color',
  ];
  const env = { ...process.env, BULWARK_BASE_URL: baseUrl, PYTHONPATH: SETTINGS, SCHEMATHESIS_HOOKS: 'bulwark_hooks', PYTHONDONTWRITEBYTECODE: '1' };
  // schemathesis keeps a cache (.schemathesis/) in its working directory: a throwaway one.
  const workDir = mkdtempSync(join(tmpdir(), 'bulwark-schemathesis-'));
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { env, cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  }).finally(() => rmSync(workDir, { recursive: true, force: true }));
}

it('schemathesis, stateful with all checks, finds nothing', { timeout: 180_000 }, async () => {
  expect(existsSync(SCHEMATHESIS), 'schemathesis is not installed: run `bash scripts/setup-python.sh`').toBe(true);
  const { code, output } = await runSchemathesis();
  expect(output, output).toMatch(/No issues found/);
  expect(output).toMatch(/Stateful/);
  expect(code, output).toBe(0);
});
