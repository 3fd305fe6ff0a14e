/**
 * Turns every failure into application/problem+json. Client errors keep a detail that
 * was written for clients (schema messages, our own HttpProblem text); anything else
 * gets a generic body and the detail goes to the log only.
 *
 * Driver errors are mapped class by class (see `driverProblem`), so a client can never
 * turn a value PostgreSQL refuses into a 500 that burns the availability SLO.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { DatabaseUnavailableError, isUnavailable, PoolExhaustedError } from '../db/database';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody, problemSchema } from '../problem';

/** Fixed client-facing text for Fastify's own client errors, so parser messages never leak. */
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but declared as JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than this API accepts.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the request body as application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body.',
};

/** Seconds a client should wait before retrying while the database is away. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = '5';
/** A saturated pool frees up within a request's time: retry soon. */
const POOL_EXHAUSTED_RETRY_AFTER_SECONDS = '1';

/** Methods a 405 can list in Allow (HEAD comes with every GET route). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export function sendProblem(reply: FastifyReply, status: number, detail?: string): FastifyReply {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemBody(status, detail));
}

interface DriverProblem {
  readonly status: number;
  readonly detail?: string;
  readonly headers?: Record<string, string>;
  /** The log line, at the level that fits who is at fault. */
  readonly log: { level: 'info' | 'warn' | 'error'; msg: string };
}

/**
 * What a PostgreSQL error means for the client, by SQLSTATE:
 *  - class 22 (data exception, e.g. 22P02 invalid text representation): a value the
 *    validators let through but the server refuses; the request is at fault → 400;
 *  - 57014 (query_canceled: statement_timeout): the server is slow, not the client → 503;
 *  - anything else (constraint and syntax errors): our bug → 500.
 * Unavailability and pool exhaustion are decided before this (their own errors).
 */
export function driverProblem(code: string): DriverProblem {
  if (code.startsWith('22')) return { status: 400, detail: 'A value in the request cannot be stored or looked up.', log: { level: 'info', msg: 'database refused a request value' } };
  if (code === '57014') {
    return { status: 503, detail: 'The request took too long. Retry later.', headers: { 'retry-after': UNAVAILABLE_RETRY_AFTER_SECONDS }, log: { level: 'warn', msg: 'database statement timed out' } };
  }
  return { status: 500, log: { level: 'error', msg: 'unhandled error' } };
}

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/** The methods some route serves at this concrete path (empty when no route matches it). */
function allowedMethods(app: FastifyInstance, request: FastifyRequest): string[] {
  const url = request.url.split('?')[0];
  return METHODS.filter((method) => app.findRoute({ method, url }) !== null);
}

async function errors(app: FastifyInstance): Promise<void> {
  app.addSchema(problemSchema);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpProblem) {
      reply.headers(error.headers);
      return sendProblem(reply, error.statusCode, error.detail);
    }
    if (error.validation) {
      return sendProblem(reply, 400, error.message);
    }
    if (error instanceof PoolExhaustedError) {
      request.log.warn({ poolWaitTimedOut: true }, 'database pool exhausted');
      app.metrics.count('DatabasePoolExhausted');
      reply.header('retry-after', POOL_EXHAUSTED_RETRY_AFTER_SECONDS);
      return sendProblem(reply, 503, 'The service is busy. Retry shortly.');
    }
    if (error instanceof DatabaseUnavailableError || isUnavailable(error)) {
      request.log.warn({ err: (error as DatabaseUnavailableError).cause ?? error }, 'database unavailable');
      reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
      return sendProblem(reply, 503, 'The service is temporarily unavailable. Retry later.');
    }
    const code = sqlState(error);
    if (code) {
      const problem = driverProblem(code);
      request.log[problem.log.level]({ err: error, sqlState: code }, problem.log.msg);
      if (problem.headers) reply.headers(problem.headers);
      return sendProblem(reply, problem.status, problem.detail);
    }
    const status = error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      request.log.info({ code: error.code, status }, 'client error');
      return sendProblem(reply, status, error.code ? FRAMEWORK_DETAILS[error.code] : undefined);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, 500);
  });

  // Requests no route matches, before anything reads their body (a QUERY without a
  // Content-Type would otherwise be refused with 400 first): rate limited too, so probing
  // for URLs costs the prober; a path some route serves with another method is 405 with
  // Allow (RFC 9110 §15.5.6). The URL is never echoed back.
  const limitUnrouted = app.rateLimit();
  app.addHook('onRequest', async (request, reply) => {
    if (!request.is404) return;
    await limitUnrouted.call(app, request, reply);
    const allowed = allowedMethods(app, request);
    if (allowed.length > 0) throw new HttpProblem(405, `This resource supports ${allowed.join(', ')}.`, { allow: allowed.join(', ') });
  });
  app.setNotFoundHandler((_request, reply) => sendProblem(reply, 404, 'No such resource.'));
}

export default fp(errors, { name: 'errors', dependencies: ['rate-limit', 'metrics'] });
