import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A moto server (AWS API emulator) listening on 127.0.0.1, for tests that talk real HTTP. */
export interface MotoServer {
  /** Base URL to hand to an SDK client as `endpoint`. */
  readonly endpoint: string;
  /** Credentials moto accepts (it ignores their value but the SDK requires some). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** Clears every emulated resource, so each test starts from an empty account. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const MOTO_BINARY = join(__dirname, '..', '..', '.venv', 'bin', 'moto_server');
const STARTUP_ATTEMPTS = 100;
const STARTUP_POLL_MS = 100;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < STARTUP_ATTEMPTS; attempt++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${(STARTUP_ATTEMPTS * STARTUP_POLL_MS) / 1000}s`);
}

/**
 * Starts `moto_server` from the project's virtualenv (installed by scripts/setup-python.sh)
 * on a free loopback port.
 */
export async function startMotoServer(): Promise<MotoServer> {
  if (!existsSync(MOTO_BINARY)) {
    throw new Error(`${MOTO_BINARY} is missing: run "npm run setup:python" first`);
  }
  const port = await freePort();
  const child = spawn(MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntilUp(endpoint, child);
  return {
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}
