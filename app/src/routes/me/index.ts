import type { FastifyInstance } from 'fastify';
import { ExportDeadlineError, openExport } from '../../db/export';
import { unauthorized } from '../../plugins/auth';
import { HttpProblem } from '../../problem';
import { hashToken, newToken } from '../../tokens';
import { ExportSlots } from './export-slots';
import { eraseSchema, exportSchema, rotateTokenSchema } from './schemas';

/** Seconds a refused export should wait before retrying. */
const EXPORT_RETRY_AFTER_SECONDS = '5';

export interface MeRoutesOptions {
  /** Exports streaming at once on this task (one per user at most); each holds a pooled connection until its client has read it all. */
  readonly exportConcurrency: number;
  /** Longest one export may hold its connection and snapshot; then it is cut off. */
  readonly exportDeadlineMs: number;
  /** Days after erasure by which the caller is gone from every backup, stated in DELETE /v1/me's documentation. */
  readonly erasureBackupBoundDays?: number;
}

export default async function meRoutes(app: FastifyInstance, { exportConcurrency, exportDeadlineMs, erasureBackupBoundDays }: MeRoutesOptions): Promise<void> {
  const onRequest = [app.authenticate, app.userRateLimit];
  const exportSlots = new ExportSlots(exportConcurrency);

  // Streamed (db/export.ts): the response schema documents the document but is not applied to a stream.
  app.get('/v1/me/export', { onRequest, schema: exportSchema }, async (request, reply) => {
    // Slow readers must not take the whole pool, and one user must not take every slot:
    // past either limit, retry later. The user's id (auth) survives a token rotation.
    const release = exportSlots.acquire(request.userId!);
    if (release === 'user-busy') throw new HttpProblem(429, 'An export of this account is already running. Retry once it has finished.', { 'retry-after': EXPORT_RETRY_AFTER_SECONDS });
    if (release === 'task-busy') throw new HttpProblem(503, 'Too many exports are running. Retry shortly.', { 'retry-after': EXPORT_RETRY_AFTER_SECONDS });
    const onStreamError = (error: unknown): void => {
      if (error instanceof ExportDeadlineError) request.log.warn({ deadlineMs: error.deadlineMs }, 'export cut off at its deadline');
      else request.log.error({ err: error }, 'export failed after the response started');
    };
    const document = await openExport(app.db, request.tokenHash!, onStreamError, { deadlineMs: exportDeadlineMs }).catch((error: unknown) => {
      release();
      throw error;
    });
    if (!document) {
      release();
      throw unauthorized();
    }
    document.once('close', release);
    app.metrics.count('DataExports');
    return reply.type('application/json; charset=utf-8').header('content-disposition', 'attachment; filename="bulwark-export.json"').send(document);
  });

  app.post('/v1/me/token', { onRequest, schema: rotateTokenSchema }, async (request, reply) => {
    const token = newToken();
    if (!(await app.repository.rotateToken(request.tokenHash!, hashToken(token)))) throw unauthorized();
    app.metrics.count('TokensRotated');
    return reply.code(201).send({ token });
  });

  app.delete('/v1/me', { onRequest, schema: eraseSchema(erasureBackupBoundDays) }, async (request, reply) => {
    const erasedUserId = await app.repository.eraseUser(request.tokenHash!);
    if (!erasedUserId) throw unauthorized();
    // Always logged (request lines are sampled): after a restore, these lines are the list of
    // erasures to re-apply (docs/privacy.md). The id alone, never the e-mail address.
    request.log.info({ erasedUserId }, 'user erased');
    app.metrics.count('UsersErased');
    return reply.code(204).send();
  });
}
