import type { FastifyInstance } from 'fastify';
import { unauthorized } from '../../plugins/auth';
import { eraseSchema, exportSchema } from './schemas';

export default async function meRoutes(app: FastifyInstance): Promise<void> {
  const onRequest = [app.authenticate, app.userRateLimit];

  app.get('/v1/me/export', { onRequest, schema: exportSchema }, async (request, reply) => {
    const data = await app.repository.exportUser(request.tokenHash!);
    if (!data) throw unauthorized();
    app.metrics.count('DataExports');
    return reply.header('content-disposition', 'attachment; filename="bulwark-export.json"').send(data);
  });

  app.delete('/v1/me', { onRequest, schema: eraseSchema }, async (request, reply) => {
    if (!(await app.repository.eraseUser(request.tokenHash!))) throw unauthorized();
    app.metrics.count('UsersErased');
    return reply.code(204).send();
  });
}
