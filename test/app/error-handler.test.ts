/**
 * The error handler (plugins/errors.ts) branch by branch, on a Fastify instance with only
 * the plugins it depends on and routes that throw each kind of error: the exact problem+json
 * body (title and detail) a client gets, the headers that tell it when to retry, the log
 * line (level, message, fields) an operator gets, and the metric. The integration suites
 * (error-mapping, resilience) reach the same branches through real PostgreSQL failures;
 * this file pins what each branch answers, word for word.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { freshModuleEachTest } from '../support/fresh-module';
import { captureLogs } from './support';

// The plugins and the errors they map, loaded in each test as one graph (one instanceof), so
// the detail table, the retry-after values and the plugins' names and dependencies, all set
// when the modules load, are part of what each test pins.
const modules = freshModuleEachTest(async () => ({
  database: await import('../../app/src/db/database'),
  auth: (await import('../../app/src/plugins/auth')).default,
  errors: await import('../../app/src/plugins/errors'),
  metrics: (await import('../../app/src/plugins/metrics')).default,
  rateLimit: (await import('../../app/src/plugins/rate-limit')).default,
  problem: await import('../../app/src/problem'),
}));

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** An error with the fields a driver or Fastify sets, thrown by the route. */
const failure = (fields: { message?: string; code?: string; statusCode?: number; cause?: unknown }): Error => Object.assign(new Error(fields.message ?? 'boom'), fields);

async function harness(thrown: () => unknown = () => undefined, options: { perIp?: number; perUser?: number } = {}) {
  const { entries, stream } = captureLogs();
  const emf: string[] = [];
  const { auth, rateLimit, metrics, errors } = modules();
  const instance = Fastify({ logger: { level: 'info', stream } });
  await instance.register(auth);
  await instance.register(rateLimit, { perIp: options.perIp ?? 1000, perIpExempt: [], perUser: options.perUser ?? 1000, trackedClients: 100 });
  await instance.register(metrics, { namespace: 'Test', stage: 'unit', flushIntervalMs: 60_000, sink: (line) => emf.push(line) });
  await instance.register(errors.default);
  instance.get('/throws', async () => {
    throw thrown();
  });
  instance.post('/validated', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } }, async () => ({ ok: true }));
  instance.delete('/only-delete-and-get', async () => ({}));
  instance.get('/only-delete-and-get', async () => ({}));
  instance.get('/private', { onRequest: [instance.authenticate, instance.userRateLimit] }, async () => ({}));
  instance.get('/limited-without-auth', { onRequest: instance.userRateLimit }, async () => ({}));
  await instance.ready();
  app = instance;
  const logged = (msg: string) => entries.filter((entry) => entry.msg === msg);
  return { app: instance, entries, logged, emf };
}

const LEVEL = { info: 30, warn: 40, error: 50 } as const;

function problem(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

describe('HttpProblem', () => {
  it('answers its status and detail, and sends its headers', async () => {
    const { app } = await harness(() => new (modules().problem.HttpProblem)(409, 'Already there.', { 'x-extra': 'yes' }));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 409, body: { type: 'about:blank', title: 'Conflict', status: 409, detail: 'Already there.' } });
    expect(response.headers['x-extra']).toBe('yes');
  });
});

describe('schema validation', () => {
  it('is 400 with the validator message as the detail', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'POST', url: '/validated', payload: { other: 1 } });
    expect(problem(response)).toEqual({ status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, detail: "body must have required property 'name'" } });
  });
});

describe('a saturated pool', () => {
  it('is 503 with Retry-After 1, a warning flagged poolWaitTimedOut and the DatabasePoolExhausted metric', async () => {
    const { app, logged, emf } = await harness(() => new (modules().database.PoolExhaustedError)(new Error('timeout exceeded when trying to connect')));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 503, body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The service is busy. Retry shortly.' } });
    expect(response.headers['retry-after']).toBe('1');
    expect(logged('database pool exhausted')).toEqual([expect.objectContaining({ level: LEVEL.warn, poolWaitTimedOut: true })]);
    app.metrics.flush();
    expect(JSON.parse(emf[0])).toMatchObject({ DatabasePoolExhausted: 1 });
  });
});

describe('the database away', () => {
  it.each([
    ['DatabaseUnavailableError', () => new (modules().database.DatabaseUnavailableError)(failure({ message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }))],
    ['a raw driver error that means unavailable', () => failure({ message: 'Connection terminated unexpectedly' })],
    ['SQLSTATE 57P01 (admin shutdown)', () => failure({ code: '57P01' })],
  ])('%s is 503 with Retry-After 5 and a warning, never the driver text', async (_name, thrown) => {
    const { app, logged } = await harness(thrown);
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 503, body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The service is temporarily unavailable. Retry later.' } });
    expect(response.headers['retry-after']).toBe('5');
    expect(logged('database unavailable')).toEqual([expect.objectContaining({ level: LEVEL.warn })]);
  });

  it('logs the cause of a DatabaseUnavailableError, not the wrapper', async () => {
    const { app, logged } = await harness(() => new (modules().database.DatabaseUnavailableError)(failure({ message: 'the real reason', code: 'ECONNRESET' })));
    await app.inject('/throws');
    expect(logged('database unavailable')[0].err).toMatchObject({ message: 'the real reason', code: 'ECONNRESET' });
  });

  it('logs a raw unavailable error itself', async () => {
    const { app, logged } = await harness(() => failure({ message: 'Connection terminated unexpectedly' }));
    await app.inject('/throws');
    expect(logged('database unavailable')[0].err).toMatchObject({ message: 'Connection terminated unexpectedly' });
  });
});

describe('driver errors by SQLSTATE', () => {
  it('a data exception (class 22) is 400, logged at info with the SQLSTATE', async () => {
    const { app, logged } = await harness(() => failure({ message: 'invalid input syntax for type uuid', code: '22P02' }));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'A value in the request cannot be stored or looked up.' } });
    expect(response.headers['retry-after']).toBeUndefined();
    expect(logged('database refused a request value')).toEqual([expect.objectContaining({ level: LEVEL.info, sqlState: '22P02' })]);
  });

  it('a statement timeout (57014) is 503 with Retry-After 5, logged as a warning', async () => {
    const { app, logged } = await harness(() => failure({ message: 'canceling statement due to statement timeout', code: '57014' }));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 503, body: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The request took too long. Retry later.' } });
    expect(response.headers['retry-after']).toBe('5');
    expect(logged('database statement timed out')).toEqual([expect.objectContaining({ level: LEVEL.warn, sqlState: '57014' })]);
  });

  it('any other SQLSTATE is our bug: 500 without a detail, logged as an error with the driver error', async () => {
    const { app, logged } = await harness(() => failure({ message: 'relation "notes" does not exist', code: '42P01' }));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 500, body: { type: 'about:blank', title: 'Internal Server Error', status: 500 } });
    expect(logged('unhandled error')).toEqual([expect.objectContaining({ level: LEVEL.error, sqlState: '42P01', err: expect.objectContaining({ message: 'relation "notes" does not exist' }) })]);
  });

  it.each(['22P0', '22P021', '22p02', '22-02'])('a code %s that is not five SQLSTATE characters is not read as one', async (code) => {
    const { app, logged } = await harness(() => failure({ code }));
    const response = await app.inject('/throws');
    expect(response.statusCode).toBe(500);
    expect(logged('database refused a request value')).toEqual([]);
    expect(logged('unhandled error')[0].sqlState).toBeUndefined();
  });

  it('driverProblem: the boundaries of class 22 and of 57014', () => {
    expect(modules().errors.driverProblem('22000').status).toBe(400);
    expect(modules().errors.driverProblem('21000').status).toBe(500);
    expect(modules().errors.driverProblem('02200').status).toBe(500);
    expect(modules().errors.driverProblem('57015').status).toBe(500);
    expect(modules().errors.driverProblem('57014').headers).toEqual({ 'retry-after': '5' });
    expect(modules().errors.driverProblem('22P02').headers).toBeUndefined();
    expect(modules().errors.driverProblem('42P01')).toEqual({ status: 500, log: { level: 'error', msg: 'unhandled error' } });
  });
});

describe("Fastify's own client errors", () => {
  it('keep their status with a fixed detail per known code, never the parser message', async () => {
    const { app, logged } = await harness();
    const response = await app.inject({ method: 'POST', url: '/validated', headers: { 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(problem(response)).toEqual({ status: 400, body: { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'The request body is not valid JSON.' } });
    expect(logged('client error')).toEqual([expect.objectContaining({ level: LEVEL.info, code: 'FST_ERR_CTP_INVALID_JSON_BODY', status: 400 })]);
  });

  it.each([
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'The request body is empty but declared as JSON.'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'The request body is larger than this API accepts.'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Send the request body as application/json.'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 'Content-Length does not match the body.'],
  ])('%s is %i: "%s"', async (code, statusCode, detail) => {
    const { app } = await harness(() => failure({ code, statusCode, message: 'parser internals' }));
    expect(problem(await app.inject('/throws'))).toEqual({ status: statusCode, body: { type: 'about:blank', title: expect.any(String), status: statusCode, detail } });
  });

  it('an unknown code, or none, gets no detail at all', async () => {
    for (const error of [{ code: 'FST_ERR_SOMETHING_NEW', statusCode: 422 }, { statusCode: 418 }]) {
      const { app } = await harness(() => failure({ ...error, message: 'internal words' }));
      const { status, body } = problem(await app.inject('/throws'));
      expect(status).toBe(error.statusCode);
      expect(body).not.toHaveProperty('detail');
      await app.close();
    }
  });

  it.each([399, 500, 503])('a statusCode of %i is not a client error: 500, logged as unhandled', async (statusCode) => {
    const { app, logged } = await harness(() => failure({ statusCode, message: 'not for the client' }));
    const response = await app.inject('/throws');
    expect(problem(response)).toEqual({ status: 500, body: { type: 'about:blank', title: 'Internal Server Error', status: 500 } });
    expect(logged('client error')).toEqual([]);
    expect(logged('unhandled error')).toEqual([expect.objectContaining({ level: LEVEL.error, err: expect.objectContaining({ message: 'not for the client' }) })]);
  });

  it('the 4xx boundaries: 400 and 499 are the client’s', async () => {
    for (const statusCode of [400, 499]) {
      const { app } = await harness(() => failure({ statusCode }));
      expect((await app.inject('/throws')).statusCode).toBe(statusCode);
      await app.close();
    }
  });

  it('a statusCode that is not a number is 500', async () => {
    const { app } = await harness(() => Object.assign(new Error('x'), { statusCode: '404' }) as unknown as FastifyError);
    expect((await app.inject('/throws')).statusCode).toBe(500);
  });
});

describe('requests no route matches', () => {
  it('404 says no such resource', async () => {
    const { app } = await harness();
    expect(problem(await app.inject('/nowhere'))).toEqual({ status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such resource.' } });
  });

  it('a path served with other methods is 405 listing them in Allow and in the detail', async () => {
    const { app } = await harness();
    const response = await app.inject({ method: 'PUT', url: '/only-delete-and-get?x=1' });
    expect(problem(response)).toEqual({ status: 405, body: { type: 'about:blank', title: 'Method Not Allowed', status: 405, detail: 'This resource supports GET, HEAD, DELETE.' } });
    expect(response.headers.allow).toBe('GET, HEAD, DELETE');
  });

  it('are rate limited per IP like any other request', async () => {
    const { app } = await harness(undefined, { perIp: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.inject('/nowhere')).statusCode);
    expect(statuses).toEqual([404, 404, 429]);
  });
});

describe('sendProblem', () => {
  it('omits the detail when there is none', async () => {
    const instance = Fastify();
    instance.get('/', async (_request, reply) => modules().errors.sendProblem(reply, 502));
    app = instance;
    expect(problem(await instance.inject('/'))).toEqual({ status: 502, body: { type: 'about:blank', title: 'Bad Gateway', status: 502 } });
  });
});

describe('auth and the per-user limit on a route', () => {
  it('a request without a valid token is 401 with WWW-Authenticate: Bearer', async () => {
    const { app } = await harness();
    for (const headers of [{}, { authorization: 'Bearer short' }]) {
      const response = await app.inject({ url: '/private', headers });
      expect(problem(response)).toEqual({ status: 401, body: { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'A valid bearer token is required.' } });
      expect(response.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('without a user lookup, counts per token: the third request of a token is 429, another token is not', async () => {
    const { app } = await harness(undefined, { perUser: 2 });
    const bearer = (character: string) => ({ authorization: `Bearer ${character.repeat(43)}` });
    expect((await app.inject({ url: '/private', headers: bearer('A') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/private', headers: bearer('A') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/private', headers: bearer('A') })).statusCode).toBe(429);
    expect((await app.inject({ url: '/private', headers: bearer('B') })).statusCode).toBe(200);
  });

  it('a route that runs the per-user limit before authenticate is a wiring bug: 500, logged, never one shared bucket', async () => {
    const { app, logged } = await harness(undefined, { perUser: 1 });
    for (let i = 0; i < 2; i++) expect((await app.inject('/limited-without-auth')).statusCode).toBe(500);
    expect(logged('unhandled error')[0].err).toMatchObject({ message: 'app.userRateLimit runs after app.authenticate: this request has no token to count' });
  });

  it('every request starts with no token hash and no user id (decorated, so the request shape never changes)', async () => {
    const { app } = await harness();
    expect(app.hasRequestDecorator('tokenHash')).toBe(true);
    expect(app.hasRequestDecorator('userId')).toBe(true);
  });
});

describe('plugin names and the order they need', () => {
  it('each plugin is registered under its name', async () => {
    const { app } = await harness();
    for (const name of ['auth', 'rate-limit', 'metrics', 'errors']) expect(app.hasPlugin(name), name).toBe(true);
  });

  it('the rate limits need auth registered first (the per-user key is what auth resolved)', async () => {
    const instance = Fastify();
    await expect(instance.register(modules().rateLimit, { perIp: 10, perIpExempt: [], perUser: 10, trackedClients: 10 }).ready()).rejects.toThrow("The dependency 'auth' of plugin");
    await instance.close().catch(() => undefined);
  });

  it.each(['rate-limit', 'metrics'])('the error handler needs %s registered first (it answers their errors and counts its own)', async (missing) => {
    const { auth, rateLimit, metrics, errors } = modules();
    const instance = Fastify();
    await instance.register(auth);
    if (missing !== 'rate-limit') await instance.register(rateLimit, { perIp: 10, perIpExempt: [], perUser: 10, trackedClients: 10 });
    if (missing !== 'metrics') await instance.register(metrics, { namespace: 'Test', stage: 'unit', flushIntervalMs: 60_000, sink: () => undefined });
    await expect(instance.register(errors.default).ready()).rejects.toThrow(`The dependency '${missing}' of plugin 'errors'`);
    await instance.close().catch(() => undefined);
  });
});
