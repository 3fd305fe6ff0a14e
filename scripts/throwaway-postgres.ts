/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a temp dir,
 * start `postgres` on 127.0.0.1 on a free port, create a database, and remove it all
 * on `stop()`.
 *
 * initdb refuses to run as root, so when this process is root (CI and the dev
 * containers) the binaries run as the `postgres` OS user via `runuser`, in a temp
 * dir that user owns.
 *
 * Run directly (`npx tsx scripts/throwaway-postgres.ts`) it starts a cluster, prints
 * its URL and keeps it up until Ctrl-C.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ThrowawayPostgres {
  /** postgres://user@127.0.0.1:port/db, no password (trust auth on loopback). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly dataDir: string;
  /**
   * What the server has written to its log (stderr) since it last started: what a test
   * reads to prove a statement was, or was not, logged.
   */
  log(): string;
  /**
   * Stop the server (fast shutdown) but keep the data; `start()` brings it back on the same
   * port, which its clients hold (should another process bind it meanwhile, `start()` fails).
   */
  pause(): Promise<void>;
  /** Start the server again after `pause()`. */
  start(): Promise<void>;
  /** Stop the server and delete the cluster. */
  stop(): Promise<void>;
}

export interface ThrowawayPostgresOptions {
  /** Database to create. @default 'bulwark' */
  readonly database?: string;
  /**
   * Extra `-c name=value` server settings, e.g. the cluster's own logging parameters with
   * `shared_preload_libraries: 'pg_stat_statements,pgaudit'` (Debian package
   * postgresql-15-pgaudit).
   * @default - fsync off and a small footprint for tests
   */
  readonly settings?: Record<string, string>;
  /**
   * Picks the port to offer the server. PostgreSQL cannot bind port 0 and report back, so
   * a candidate the OS just reported free is offered, and when another process took it in
   * the meantime ("could not bind"), the next candidate, up to {@link BIND_ATTEMPTS} times.
   * @default - a port the OS reports free
   */
  readonly choosePort?: () => Promise<number>;
}

/** Candidate ports offered before giving up (each failed only because another process bound it first). */
export const BIND_ATTEMPTS = 5;

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/local/bin', '/usr/bin'];
const OS_USER_WHEN_ROOT = 'postgres';

function findBinary(name: string): string {
  for (const dir of [process.env.PG_BIN_DIR, ...BIN_DIRS]) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(
    `PostgreSQL binary "${name}" not found in ${BIN_DIRS.join(', ')} (or PG_BIN_DIR). ` +
      'Install the postgresql-15 package (apt-get install postgresql-15) to run the app tests and the bench.',
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const runningAsRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** argv that runs `binary args...` as the unprivileged user when we are root. */
function asPostgresUser(binary: string, args: string[]): [string, string[]] {
  return runningAsRoot() ? ['runuser', ['-u', OS_USER_WHEN_ROOT, '--', binary, ...args]] : [binary, args];
}

function run(binary: string, args: string[]): void {
  const [command, argv] = asPostgresUser(binary, args);
  try {
    execFileSync(command, argv, { stdio: 'pipe' });
  } catch (error) {
    const err = error as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`${binary} failed: ${err.stderr?.toString() || err.stdout?.toString() || err.message}`);
  }
}

export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const initdb = findBinary('initdb');
  const postgresBin = findBinary('postgres');
  const pgCtl = findBinary('pg_ctl');
  const database = options.database ?? 'bulwark';

  const baseDir = mkdtempSync(join(tmpdir(), 'bulwark-pg-'));
  const dataDir = join(baseDir, 'data');
  const socketDir = baseDir;
  let user = 'postgres';
  if (runningAsRoot()) {
    const uid = Number(execFileSync('id', ['-u', OS_USER_WHEN_ROOT]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', OS_USER_WHEN_ROOT]).toString().trim());
    chownSync(baseDir, uid, gid);
  } else {
    user = execFileSync('id', ['-un']).toString().trim();
  }

  run(initdb, ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    shared_buffers: '128MB',
    ...options.settings,
  };

  let server: ChildProcess | undefined;
  let serverLog = '';

  const startServer = async (): Promise<void> => {
    const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const [command, argv] = asPostgresUser(postgresBin, args);
    serverLog = '';
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    child.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (serverLog += d.toString()));
    await waitUntilAccepting(child, () => serverLog);
  };

  const waitUntilAccepting = async (child: ChildProcess, log: () => string): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`postgres exited early:\n${log()}`);
      if (/ready to accept connections/.test(log())) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`postgres did not start within 30 s:\n${log()}`);
  };

  const stopServer = async (): Promise<void> => {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // pg_ctl's fast mode: SIGINT to the postmaster; terminates sessions and shuts down cleanly.
    const [command, argv] = asPostgresUser(pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w']);
    try {
      execFileSync(command, argv, { stdio: 'pipe' });
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
  };

  // The candidate is free when chosen but not held (postgres must bind it itself): on a
  // lost race postgres exits with "could not bind", and the next candidate is tried.
  const choosePort = options.choosePort ?? freePort;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await choosePort();
    settings.port = String(port);
    try {
      await startServer();
      break;
    } catch (error) {
      if (attempt >= BIND_ATTEMPTS || !/could not bind/.test(serverLog)) {
        rmSync(baseDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  run(join(postgresBin, '..', 'createdb'), ['-h', socketDir, '-p', String(port), '-U', user, database]);

  const onExit = (): void => {
    server?.kill('SIGKILL');
  };
  process.once('exit', onExit);

  return {
    url: `postgres://${user}@127.0.0.1:${port}/${database}`,
    host: '127.0.0.1',
    port,
    user,
    database,
    dataDir,
    log: () => serverLog,
    pause: stopServer,
    start: startServer,
    async stop() {
      process.removeListener('exit', onExit);
      await stopServer();
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

if (require.main === module) {
  startThrowawayPostgres()
    .then((pg) => {
      console.log(pg.url);
      const shutdown = (): void => {
        void pg.stop().then(() => process.exit(0));
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
