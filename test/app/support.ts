/**
 * Test support: the two database backends the suites run against, and small helpers to
 * build the app and call it through inject().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type BuildAppOptions } from '../../app/src/app';
import { testConfig, type AppConfig } from '../../app/src/config';
import { createPgliteDatabase, type Database } from '../../app/src/db/database';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/throwaway-postgres';

const quietLog = { warn: () => undefined, info: () => undefined };

export interface Backend {
  readonly name: 'postgres' | 'pglite';
  /** Starts the database; call once per file (beforeAll). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Options that make buildApp use this backend. */
  appOptions(overrides?: Partial<AppConfig>): BuildAppOptions;
  /** Direct SQL against the backend, for assertions about what is stored. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** The throwaway server (postgres only). */
  readonly server?: ThrowawayPostgres;
}

export function postgresBackend(): Backend {
  let server: ThrowawayPostgres | undefined;
  let admin: import('pg').Pool | undefined;
  return {
    name: 'postgres',
    get server() {
      return server;
    },
    async start() {
      server = await startThrowawayPostgres();
      const { Pool } = await import('pg');
      admin = new Pool({ connectionString: server.url, max: 2 });
      admin.on('error', () => undefined);
    },
    async stop() {
      await admin?.end();
      await server?.stop();
    },
    appOptions(overrides = {}) {
      return {
        config: testConfig({
          database: { kind: 'postgres', connectionString: server!.url, ssl: { mode: 'disable' }, poolSize: 5 },
          ...overrides,
        }),
      };
    },
    async query(sql, params = []) {
      return (await admin!.query(sql, params)).rows;
    },
  };
}

export function pgliteBackend(): Backend {
  let db: Database | undefined;
  return {
    name: 'pglite',
    async start() {
      db = await createPgliteDatabase(quietLog);
    },
    async stop() {
      await db?.close();
    },
    appOptions(overrides = {}) {
      return { config: testConfig(overrides), database: db };
    },
    query: (sql, params) => db!.query(sql, params),
  };
}

export const backends = (): Backend[] => [postgresBackend(), pgliteBackend()];

export async function startApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = await buildApp(options);
  await app.ready();
  return app;
}

let emailCounter = 0;
export const uniqueEmail = (prefix = 'user'): string => `${prefix}.${process.pid}.${Date.now()}.${++emailCounter}@example.com`;

export interface TestUser {
  id: string;
  email: string;
  token: string;
  auth: { authorization: string };
}

export async function register(app: FastifyInstance, email = uniqueEmail()): Promise<TestUser> {
  const response = await app.inject({ method: 'POST', url: '/v1/users', payload: { email } });
  expect(response.statusCode, response.body).toBe(201);
  const body = response.json();
  return { ...body, auth: { authorization: `Bearer ${body.token}` } };
}

export async function createNote(app: FastifyInstance, user: TestUser, title = 'a title', body = 'a body') {
  const response = await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title, body } });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; title: string; body: string; createdAt: string; updatedAt: string };
}

/** Every error response: RFC 9457 content type, status and title, nothing internal. */
export function expectProblem(response: LightMyRequestResponse | { statusCode: number; headers: Record<string, unknown>; body: string }, status: number): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body);
  expect(body.status).toBe(status);
  expect(typeof body.title).toBe('string');
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+|SELECT|INSERT|postgres|pglite|ECONN|stack/i);
  return body;
}

/** A log destination that keeps every JSON line it is given, parsed. */
export function captureLogs(): { entries: Array<Record<string, unknown>>; stream: Writable } {
  const entries: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) entries.push(JSON.parse(line));
      done();
    },
  });
  return { entries, stream };
}

/**
 * A TCP server on 127.0.0.1 that closes every connection as soon as it arrives: a database
 * address that never answers, held for the whole test (a port that is merely free could be
 * taken by another worker's throwaway PostgreSQL in between).
 */
export async function droppingServer(): Promise<{ port: number; close(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { port: (server.address() as { port: number }).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** What `promise` rejects with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Polls `check` every 200 ms until it holds; fails naming `what` after `timeoutMs` (a bounded wait). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A server process of the app and the port it bound. */
export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
}

const LISTENING = /"msg":"Server listening at https?:\/\/127\.0\.0\.1:(\d+)"/;

/**
 * Spawns the app's server (`argv` after node) on 127.0.0.1 with PORT=0 and reads the port
 * it bound back from its "Server listening at" log line, so no port is picked, released
 * and re-bound (another process could take it in between). The line is logged at info.
 */
export async function spawnAppServer(argv: string[], env: Record<string, string | undefined>, cwd?: string, timeoutMs = 60_000): Promise<AppProcess> {
  if (env.LOG_LEVEL && !['trace', 'debug', 'info'].includes(env.LOG_LEVEL)) throw new Error('spawnAppServer reads the port from an info line: LOG_LEVEL must be info or lower');
  const child = spawn(process.execPath, argv, { cwd, env: { PATH: process.env.PATH, ...env, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`the app did not report listening within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    let listening = false;
    const onData = (chunk: Buffer) => {
      output += chunk;
      const bound = listening ? null : LISTENING.exec(output);
      if (bound) {
        listening = true;
        settle(() => resolve(Number(bound[1])));
      }
    };
    const onExit = (code: number | null) => fail(new Error(`the app exited with code ${code} before listening:\n${output}`));
    const settle = (then: () => void) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      then();
    };
    const fail = (error: Error) => settle(() => {
      child.kill('SIGKILL');
      reject(error);
    });
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  return { child, port, output: () => output };
}

/** Starts GET /v1/me/export over a real socket and hands back the response unread (paused). */
export function openUnreadExport(port: number, user: TestUser): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/v1/me/export', headers: user.auth }, (res) => {
      res.pause();
      resolve(res);
    })
      .on('error', reject)
      .end();
  });
}
