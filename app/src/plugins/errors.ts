/**
 * Turns every failure into application/problem+json. Client errors keep a detail that
 * was written for clients (schema messages, our own HttpProblem text); anything else
 * gets a generic body and the detail goes to the log only.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { DatabaseUnavailableError, isUnavailable } from '../db/database';
import { HttpProblem, PROBLEM_CONTENT_TYPE, problemBody, problemSchema } from '../problem';

/** Fixed client-facing text for Fastify's own client errors, so parser messages never leak. */
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but declared as JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than this API accepts.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the request body as application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body.',
  FST_ERR_BAD_URL: 'The URL is malformed.',
};

/** Seconds a client should wait before retrying while the database is away. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = '5';

export function sendProblem(reply: FastifyReply, status: number, detail?: string): FastifyReply {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problemBody(status, detail));
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
    if (error instanceof DatabaseUnavailableError || isUnavailable(error)) {
      request.log.warn({ err: (error as DatabaseUnavailableError).cause ?? error }, 'database unavailable');
      reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
      return sendProblem(reply, 503, 'The service is temporarily unavailable. Retry later.');
    }
    const status = error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      request.log.info({ code: error.code, status }, 'client error');
      return sendProblem(reply, status, error.code ? FRAMEWORK_DETAILS[error.code] : undefined);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, 500);
  });

  // Rate limited too, so probing for URLs costs the prober; the URL is not echoed back.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (_request, reply) => sendProblem(reply, 404, 'No such resource.'));
}

export default fp(errors, { name: 'errors', dependencies: ['rate-limit'] });
