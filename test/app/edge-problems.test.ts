/**
 * The answers written before any route, hook or helmet runs (edge-problems.ts) and the
 * problem+json building blocks (problem.ts), exactly: the parser-error status table, the raw
 * HTTP response a socket gets, which sockets get none, and the framework errors' fixed texts.
 * error-mapping.test.ts sends the same malformed requests over a real socket; this file
 * pins each answer's bytes and the log line behind it.
 */
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';
import { captureLogs } from './support';

// Loaded in each test (with problem.ts, one graph), so the header map and the status and
// detail tables built when the modules load are part of what each test pins.
const edge = freshModuleEachTest(async () => ({ ...(await import('../../app/src/edge-problems')), ...(await import('../../app/src/problem')) }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('problemBody', () => {
  it('is about:blank with the status text as title, and the detail only when given', () => {
    expect(edge().problemBody(404, 'No such note.')).toEqual({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such note.' });
    expect(edge().problemBody(404)).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
    expect(edge().problemBody(404, '')).toEqual({ type: 'about:blank', title: 'Not Found', status: 404 });
  });

  it('titles a status Node has no text for "Error"', () => {
    expect(edge().problemBody(599)).toEqual({ type: 'about:blank', title: 'Error', status: 599 });
  });
});

describe('HttpProblem', () => {
  it('carries status, detail and headers, with the detail as its message', () => {
    const problem = new (edge().HttpProblem)(409, 'Taken.', { 'x-a': 'b' });
    expect(problem).toMatchObject({ statusCode: 409, detail: 'Taken.', headers: { 'x-a': 'b' }, message: 'Taken.' });
  });

  it('without a detail: the status text, or "Error", as its message, and no headers', () => {
    expect(new (edge().HttpProblem)(403)).toMatchObject({ message: 'Forbidden', detail: undefined });
    expect(new (edge().HttpProblem)(403).headers).toEqual({});
    expect(new (edge().HttpProblem)(599).message).toBe('Error');
  });
});

/** A socket stand-in that records what is written to it and whether it was destroyed. */
function fakeSocket(state: { destroyed?: boolean; writable?: boolean } = {}) {
  const written: string[] = [];
  const socket = {
    destroyed: state.destroyed ?? false,
    writable: state.writable ?? true,
    write(chunk: string) {
      written.push(chunk);
      return true;
    },
    destroy() {
      socket.destroyed = true;
    },
  };
  return { socket, written, asSocket: socket as unknown as Socket };
}

function recordingLog() {
  const lines: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { lines, log: { info: (obj: object, msg: string) => void lines.push({ obj: obj as Record<string, unknown>, msg }) } };
}

function parse(raw: string) {
  const [head, body] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  return { statusLine, headers: lines.map((line) => line.split(': ')), body };
}

describe('clientErrorHandler (Node HTTP parser errors)', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_INVALID_METHOD', 400],
    [undefined, 400],
  ])('%s is answered %i, logged with the request id it sends, and the socket closed', (code, status) => {
    const { socket, written, asSocket } = fakeSocket();
    const { lines, log } = recordingLog();
    edge().clientErrorHandler.call({ log }, Object.assign(new Error('parse'), { code }), asSocket);
    expect(written).toHaveLength(1);
    expect(parse(written[0]).statusLine).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(lines).toEqual([{ obj: { code, status, requestId: expect.stringMatching(UUID) }, msg: 'client error in the HTTP parser' }]);
    expect(written[0]).toContain(`x-request-id: ${lines[0].obj.requestId as string}\r\n`);
    expect(socket.destroyed).toBe(true);
  });

  it('a reset connection gets nothing: no write, no log, not destroyed again', () => {
    const { socket, written, asSocket } = fakeSocket();
    const { lines, log } = recordingLog();
    edge().clientErrorHandler.call({ log }, Object.assign(new Error('reset'), { code: 'ECONNRESET' }), asSocket);
    expect({ written, lines, destroyed: socket.destroyed }).toEqual({ written: [], lines: [], destroyed: false });
  });

  it('an already destroyed socket gets nothing', () => {
    const { written, asSocket } = fakeSocket({ destroyed: true });
    const { lines, log } = recordingLog();
    edge().clientErrorHandler.call({ log }, Object.assign(new Error('late'), { code: 'HPE_HEADER_OVERFLOW' }), asSocket);
    expect({ written, lines }).toEqual({ written: [], lines: [] });
  });

  it('a socket that can no longer be written is closed without a write', () => {
    const { socket, written, asSocket } = fakeSocket({ writable: false });
    const { log } = recordingLog();
    edge().clientErrorHandler.call({ log }, Object.assign(new Error('half closed'), { code: 'HPE_INVALID_METHOD' }), asSocket);
    expect(written).toEqual([]);
    expect(socket.destroyed).toBe(true);
  });
});

describe('rawResponse', () => {
  it('is a complete HTTP/1.1 response: status line, security headers, id, problem+json, length, close', () => {
    const { statusLine, headers, body } = parse(edge().rawResponse(431, 'req-1'));
    expect(statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(Object.fromEntries(headers)).toEqual({
      ...edge().EDGE_SECURITY_HEADERS,
      'x-request-id': 'req-1',
      'content-type': 'application/problem+json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    });
    expect(JSON.parse(body)).toEqual({ type: 'about:blank', title: 'Request Header Fields Too Large', status: 431, detail: 'The request could not be parsed as HTTP.' });
  });
});

describe('EDGE_SECURITY_HEADERS', () => {
  it('are exactly the headers a routed response gets from the security-headers plugin (helmet), and no-store', async () => {
    const routed = Fastify();
    try {
      await routed.register((await import('../../app/src/plugins/security-headers')).default);
      routed.get('/', async () => ({}));
      const response = await routed.inject('/');
      const transport = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
      const sent = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !transport.has(name)));
      expect(edge().EDGE_SECURITY_HEADERS).toEqual(sent);
    } finally {
      await routed.close();
    }
  });

  it('are these values exactly: a change to one changes every answer written before routing', () => {
    expect(edge().EDGE_SECURITY_HEADERS).toEqual({
      'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=63072000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'DENY',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
      'cache-control': 'no-store',
    });
  });
});

describe('frameworkErrors (before routing)', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function harness() {
    const { entries, stream } = captureLogs();
    app = Fastify({ logger: { level: 'info', stream }, frameworkErrors: edge().frameworkErrors, routerOptions: { maxParamLength: 10 } });
    app.get('/items/:id', async () => ({}));
    await app.ready();
    return { app, entries };
  }

  it.each([
    ['/%zz', 'FST_ERR_BAD_URL', 'The URL is malformed.'],
    ['/items/abcdefghijklmnop', 'FST_ERR_MAX_PARAM_LENGTH', 'A path segment is too long.'],
  ])('%s is 400 "%s" with the security headers and a request id, logged by code only', async (url, code, detail) => {
    const { app, entries } = await harness();
    const response = await app.inject(url);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.json()).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail });
    for (const [name, value] of Object.entries(edge().EDGE_SECURITY_HEADERS)) expect(response.headers[name], name).toBe(value);
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    const logged = entries.filter((entry) => entry.msg === 'client error before routing');
    expect(logged).toEqual([expect.objectContaining({ level: 30, code })]);
    expect(JSON.stringify(logged)).not.toContain(url);
  });

  it('an error code it has no text for is "The request is malformed."', async () => {
    const { app } = await harness();
    const sent: unknown[] = [];
    const reply = {
      headers: () => reply,
      code: () => reply,
      type: () => reply,
      send: (body: unknown) => void sent.push(body),
    };
    const request = { id: 'r', log: { info: () => undefined } };
    edge().frameworkErrors.call(app, Object.assign(new Error('x'), { code: 'FST_ERR_SOMETHING_ELSE' }) as never, request as never, reply as never);
    expect(sent).toEqual([{ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request is malformed.' }]);
  });
});
