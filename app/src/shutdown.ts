/**
 * Graceful shutdown, in the order the load balancer needs:
 *   1. readiness fails at once (/readyz → 503; the ALB stops routing here);
 *   2. the server stops accepting connections, closes idle keep-alive sockets, answers
 *      requests that still arrive on open sockets with 503 and lets in-flight ones finish;
 *   3. onClose hooks run: the pool closes, buffered metrics flush.
 * Resolves true when that completed within `timeoutMs`, false when the deadline passed
 * first (the caller then exits non-zero rather than wait for ECS's SIGKILL).
 */
import type { FastifyInstance } from 'fastify';

export async function gracefulShutdown(app: FastifyInstance, timeoutMs: number): Promise<boolean> {
  app.lifecycle.shuttingDown = true;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([app.close().then(() => true as const), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
