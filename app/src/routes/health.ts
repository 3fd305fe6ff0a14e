/**
 * Liveness (the process answers; never touches the database, so a database outage does
 * not make ECS or the load balancer replace healthy tasks: the ALB health check) and
 * readiness (the database is connected, migrated and answering, and we are not shutting
 * down: for deploy checks and operators). Neither is rate limited; readiness shares one
 * database check among concurrent probes and reuses its outcome for a second.
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../problem';
import { problemResponses } from './shared-schemas';

const READINESS_TIMEOUT_MS = 2_000;
/** How long one database check's outcome answers further probes. */
export const READINESS_REUSE_MS = 1_000;

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

/**
 * `check`, run once for every caller that arrives while it runs, and its outcome (success
 * or failure) reused for `reuseMs` after it settles. /readyz is exempt from the rate limits
 * (deploy checks and operators must get an answer) and reachable through the ALB, so a
 * flood of probes must cost one query at a time on the shared pool, not one each.
 */
export function sharedCheck(check: () => Promise<void>, reuseMs: number, now: () => number = Date.now): () => Promise<void> {
  let latest: { readonly outcome: Promise<void>; settledAt?: number } | undefined;
  return () => {
    if (latest && (latest.settledAt === undefined || now() - latest.settledAt < reuseMs)) return latest.outcome;
    const run: { readonly outcome: Promise<void>; settledAt?: number } = { outcome: check() };
    const settle = (): void => {
      run.settledAt = now();
    };
    run.outcome.then(settle, settle);
    latest = run;
    return run.outcome;
  };
}

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const databaseAnswers = sharedCheck(() => withTimeout(app.repository.ping(), READINESS_TIMEOUT_MS), READINESS_REUSE_MS);

  const config = { rateLimit: false } as const;

  app.get('/healthz', { config, schema: { tags: ['health'], summary: 'Liveness', response: statusResponse } }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', { config, schema: { tags: ['health'], summary: 'Readiness', response: statusResponse } }, async (request) => {
    if (app.lifecycle.shuttingDown) throw new HttpProblem(503, 'Shutting down.');
    try {
      await databaseAnswers();
    } catch (error) {
      request.log.warn({ err: { message: (error as Error).message } }, 'readiness: database not answering');
      throw new HttpProblem(503, 'The database is not answering.', { 'retry-after': '5' });
    }
    return { status: 'ok' };
  });
}
