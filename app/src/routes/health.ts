/**
 * Liveness (the process answers; never touches the database, so a database outage does
 * not make ECS or the load balancer replace healthy tasks: the ALB health check) and
 * readiness (the database is connected, migrated and answering, and we are not shutting
 * down: for deploy checks and operators).
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem';
import { problemResponses } from './shared-schemas';

const READINESS_TIMEOUT_MS = 2_000;

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: { shuttingDown: boolean };
  }
}

/** Both answer {"status":"ok"} (docs/user-guide.md); failures are problem+json. */
const statusResponse = {
  200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] },
  ...problemResponses,
};

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('readiness check timed out')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const config = { rateLimit: false } as const;

  app.get('/healthz', { config, schema: { tags: ['health'], summary: 'Liveness', response: statusResponse } }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', { config, schema: { tags: ['health'], summary: 'Readiness', response: statusResponse } }, async (request) => {
    if (app.lifecycle.shuttingDown) throw new HttpProblem(503, 'Shutting down.');
    try {
      await withTimeout(app.repository.ping(), READINESS_TIMEOUT_MS);
    } catch (error) {
      request.log.warn({ err: { message: (error as Error).message } }, 'readiness: database not answering');
      throw new HttpProblem(503, 'The database is not answering.', { 'retry-after': '5' });
    }
    return { status: 'ok' };
  });
}
