/**
 * Issue 11, item 1, against a real PostgreSQL server: no client input becomes a 500, every
 * driver error class has a deliberate answer, a saturated pool is told apart from an
 * outage, and errors Fastify raises before routing are problem+json like every other.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_SECURITY_HEADERS } from '../../app/src/edge-problems';
import { driverProblem } from '../../app/src/plugins/errors';
import { captureLogs, createNote, expectProblem, postgresBackend, register, startApp } from './support';

const backend = postgresBackend();
const { entries: logs, stream } = captureLogs();
const emf: string[] = [];
let app: FastifyInstance;

beforeAll(async () => {
  await backend.start();
  app = await startApp({ ...backend.appOptions(), logger: { level: 'info', stream }, metricsSink: (line) => emf.push(line) });
});
afterAll(async () => {
  await app?.close();
  await backend.stop();
});

/** Sends raw bytes to the listening app and returns everything it answers. */
async function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function parseRaw(answer: string): { statusCode: number; headers: Record<string, string>; body: string } {
  const [head, body] = answer.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { statusCode: Number(statusLine.split(' ')[1]), headers, body };
}

describe('ids are canonical UUID text only', () => {
  it.each(['urn:uuid:00000000-0000-0000-0000-000000000000', '{00000000-0000-0000-0000-000000000000}', '00000000000000000000000000000000'])(
    'GET, PATCH and DELETE /v1/notes/%s are 400, never 500',
    async (id) => {
      const user = await register(app);
      const url = `/v1/notes/${encodeURIComponent(id)}`;
      expectProblem(await app.inject({ url, headers: user.auth }), 400);
      expectProblem(await app.inject({ method: 'PATCH', url, headers: user.auth, payload: { title: 't' } }), 400);
      expectProblem(await app.inject({ method: 'DELETE', url, headers: user.auth }), 400);
    },
  );

  it('upper-case hex is the same id', async () => {
    const user = await register(app);
    const note = await createNote(app, user);
    expect((await app.inject({ url: `/v1/notes/${note.id.toUpperCase()}`, headers: user.auth })).json().id).toBe(note.id);
  });

  it('a lone surrogate is refused, not stored as U+FFFD', async () => {
    const user = await register(app);
    const payload = '{"title":"\\ud800","body":"b"}';
    expectProblem(await app.inject({ method: 'POST', url: '/v1/notes', headers: { ...user.auth, 'content-type': 'application/json' }, payload }), 400);
    const paired = await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: '😀', body: '' } });
    expect(paired.json().title).toBe('😀');
  });
});

describe('driver errors', () => {
  it('map by SQLSTATE: data exceptions 400, statement timeout 503 with Retry-After, the rest 500', () => {
    expect(driverProblem('22P02').status).toBe(400);
    expect(driverProblem('22001').status).toBe(400);
    expect(driverProblem('57014')).toMatchObject({ status: 503, headers: { 'retry-after': expect.any(String) } });
    expect(driverProblem('42P01').status).toBe(500);
    expect(driverProblem('23505').status).toBe(500);
  });

  it('creating a note while the account is being erased is 401 (the foreign-key race, 23503), not 500', async () => {
    const user = await register(app);
    const { Pool } = await import('pg');
    const eraser = new Pool({ connectionString: backend.server!.url, max: 1 });
    const client = await eraser.connect();
    try {
      await client.query('BEGIN');
      await client.query('DELETE FROM users WHERE id = $1', [user.id]);
      // The insert's foreign-key check waits on the uncommitted delete's row lock.
      const creating = app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: 't', body: 'b' } });
      for (let i = 0; i < 100; i++) {
        const waiting = await backend.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'bulwark-app'");
        if (waiting.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await client.query('COMMIT');
      expectProblem(await creating, 401);
    } finally {
      client.release();
      await eraser.end();
    }
  });

  it('a full pool is 503 with Retry-After, its own log line and metric, not "database unavailable"', async () => {
    const small = await startApp({ ...backend.appOptions({ database: { kind: 'postgres', connectionString: backend.server!.url, ssl: { mode: 'disable' }, poolSize: 1 } }), logger: { level: 'info', stream }, metricsSink: (line) => emf.push(line) });
    try {
      const user = await register(small);
      const holding = small.db.query('SELECT pg_sleep(4)');
      const response = await small.inject({ url: '/v1/notes', headers: user.auth });
      const body = expectProblem(response, 503);
      expect(body.detail).toMatch(/busy/);
      expect(response.headers['retry-after']).toBe('1');
      await holding;
      const lines = logs.filter((entry) => entry.reqId === response.headers['x-request-id'] || entry.requestId === response.headers['x-request-id']);
      expect(lines.map((entry) => entry.msg)).toContain('database pool exhausted');
      expect(lines.map((entry) => entry.msg)).not.toContain('database unavailable');
      small.metrics.flush();
      // Embedded Metric Format as CloudWatch extracts it from the task's log stream: the
      // count is declared under the namespace and Stage dimension the alarm watches.
      const document = JSON.parse(emf[emf.length - 1]);
      expect(document.DatabasePoolExhausted).toBe(1);
      expect(document.Stage).toBe('test');
      expect(document._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'Bulwark/Business', Dimensions: [['Stage']], Metrics: expect.arrayContaining([{ Name: 'DatabasePoolExhausted', Unit: 'Count' }]) },
      ]);
    } finally {
      await small.close();
    }
  });
});

describe('errors raised before routing', () => {
  let port: number;
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });

  it('keeps the raw-response security headers equal to what helmet sends', async () => {
    const normal = await app.inject('/nope');
    for (const [name, value] of Object.entries(EDGE_SECURITY_HEADERS)) expect(normal.headers[name], name).toBe(value);
  });

  it.each([
    ['a malformed URL (/%zz)', 'GET /%zz<script> HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400],
    ['a request line the HTTP parser refuses', 'GET /%zz<script> HTTP/9 junk\r\n\r\n', 400],
    ['oversized headers', `GET /%zz<script> HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ])('%s: problem+json, security headers, a request id, no echo', async (_case, request, status) => {
    const response = parseRaw(await rawExchange(port, request));
    expectProblem(response, status);
    for (const [name, value] of Object.entries(EDGE_SECURITY_HEADERS)) expect(response.headers[name], name).toBe(value);
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toMatch(/zz|script/);
  });

  it('an unsupported method on a known path is 405 with Allow; an unknown path stays 404', async () => {
    const put = await app.inject({ method: 'PUT', url: '/v1/notes' });
    expectProblem(put, 405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    const post = await app.inject({ method: 'POST', url: '/v1/notes/00000000-0000-0000-0000-000000000000' });
    expectProblem(post, 405);
    expect(post.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    expectProblem(await app.inject({ method: 'PUT', url: '/v1/nothing-here' }), 404);
  });

  it('probing unknown paths and methods costs the prober: rate limited per IP like every route', async () => {
    const limited = await startApp({ ...backend.appOptions({ rateLimitPerIp: 3 }) });
    try {
      const statuses = [];
      for (const url of ['/a', '/b', '/c', '/d']) statuses.push((await limited.inject(url)).statusCode);
      statuses.push((await limited.inject({ method: 'PUT', url: '/v1/notes' })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
