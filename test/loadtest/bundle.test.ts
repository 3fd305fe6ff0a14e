/**
 * The generator as the image runs it: the esbuild bundle (worker.js, built into a directory of its own) run by
 * plain node with the environment the state machine gives a task, against the app on
 * 127.0.0.1 (embedded PGlite), writing its result to a local directory. The image itself
 * is built at deploy time only; what goes into it is checked here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLoadGenerator, LOADTEST_DIST } from '../../loadtest/build';
import { parseStepResult } from '../../loadtest/step-result';
import { pgliteBackend, startApp } from '../app/support';

const run = promisify(execFile);
const backend = pgliteBackend();
let app: FastifyInstance;
let bundle: string;
let resultsDir: string;
let bundleDir: string;

beforeAll(async () => {
  // Not loadtest/dist: loadtest/ is the image's build context, which stack tests package meanwhile.
  bundleDir = await mkdtemp(join(tmpdir(), 'loadtest-dist-'));
  bundle = await buildLoadGenerator(bundleDir);
  await backend.start();
  app = await startApp(backend.appOptions({ rateLimitPerIp: 1_000_000 }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  resultsDir = await mkdtemp(join(tmpdir(), 'loadtest-bundle-'));
});
afterAll(async () => {
  await app?.close();
  await backend.stop();
  if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
});

describe('the load-generator bundle', () => {
  it('registers its users, drives the target and writes its step result', async () => {
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const env = {
      PATH: process.env.PATH ?? '',
      TARGET_URL: `http://127.0.0.1:${port}`,
      RUN_ID: 'bundle-run',
      STEP: 'step-1',
      WORKER_ID: 'worker-0',
      RATE: '20',
      DURATION_SECONDS: '1',
      RATE_LIMIT_PER_USER: '600',
      RESULTS_DIR: resultsDir,
    };
    const { stdout } = await run(process.execPath, [bundle], { env, timeout: 60_000 });
    expect(stdout).toMatch(/"message":"step result stored"/);
    const result = parseStepResult(await readFile(join(resultsDir, 'bundle-run/step-1/worker-0.json'), 'utf8'), 'result');
    expect(result.outcomes.ok2xx).toBeGreaterThan(0);
    expect(result.outcomes.server5xx + result.outcomes.transportErrors).toBe(0);
  });

  it('exits non-zero, naming the variables, when its environment is incomplete', async () => {
    const failure = await run(process.execPath, [bundle], { env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/TARGET_URL is required/);
  });

  it('is all the image gets: the build context admits only the Dockerfile and the bundle, and the image runs it as a non-root user', async () => {
    const ignore = (await readFile(join(__dirname, '..', '..', 'loadtest', '.dockerignore'), 'utf8')).split('\n').filter((line) => line && !line.startsWith('#'));
    expect(ignore).toEqual(['*', '!Dockerfile', '!dist/worker.js', '!dist/THIRD-PARTY-NOTICES.md']);
    const dockerfile = await readFile(join(__dirname, '..', '..', 'loadtest', 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^COPY .*/gm)).toEqual(['COPY dist/worker.js dist/THIRD-PARTY-NOTICES.md ./']);
    // `npm run build:loadtest` builds where the Dockerfile copies from.
    expect(LOADTEST_DIST).toBe(join(__dirname, '..', '..', 'loadtest', 'dist'));
    expect(dockerfile).toMatch(/^FROM node:\d+-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "worker.js"\]$/m);
    // The licences of what the bundle inlines travel with it.
    const notices = await readFile(join(dirname(bundle), 'THIRD-PARTY-NOTICES.md'), 'utf8');
    expect(notices).toMatch(/^\| `autocannon` \| [\d.]+ \| MIT \| LICENSE: /m);
    expect(notices).toMatch(/^\| `hdr-histogram-js` \| [\d.]+ \| BSD-2-Clause \| /m);
  });
});
