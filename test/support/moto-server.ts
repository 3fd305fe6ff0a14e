import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** What moto_server (werkzeug) prints once it has bound its socket, with the port it got. */
const RUNNING_ON = /Running on http:\/\/127\.0\.0\.1:(\d+)/;

/**
 * The port the server bound when asked for port 0, read from its start-up line: no port is
 * picked, released and re-bound (another process could take it in between).
 */
function boundPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const limitMs = STARTUP_ATTEMPTS * STARTUP_POLL_MS;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() => reject(new Error(`moto_server did not report its port within ${limitMs / 1000}s:\n${output}`)));
    }, limitMs);
    const settle = (then: () => void) => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      // Keep draining the pipe so the server never blocks on a full buffer.
      child.stderr!.resume();
      then();
    };
    const onData = (chunk: Buffer) => {
      output += chunk;
      const running = RUNNING_ON.exec(output);
      if (running) settle(() => resolve(Number(running[1])));
    };
    const onExit = (code: number | null) => settle(() => reject(new Error(`moto_server exited with code ${code} before listening:\n${output}`)));
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
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
 * on a loopback port the OS picks (port 0), read back from its start-up line.
 */
export async function startMotoServer(): Promise<MotoServer> {
  if (!existsSync(MOTO_BINARY)) {
    throw new Error(`${MOTO_BINARY} is missing: run "npm run setup:python" first`);
  }
  const child = spawn(MOTO_BINARY, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = `http://127.0.0.1:${await boundPort(child)}`;
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
