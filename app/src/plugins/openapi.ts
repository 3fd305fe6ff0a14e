/**
 * The OpenAPI 3 document, generated from the route schemas, at /openapi.json, and the
 * human-readable reference (Swagger UI) at /docs.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

async function openapi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    // Components named after the shared schemas' $id (Note, Problem) instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Bulwark notes API',
        description: 'Notes per user, bearer-token authentication, GDPR export and erasure. Errors are application/problem+json (RFC 9457).',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      tags: [
        { name: 'users', description: 'Registration' },
        { name: 'notes', description: "The caller's notes" },
        { name: 'me', description: "The caller's data (GDPR)" },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
  });
  // staticCSP makes the UI's pages send a CSP with hashes of their own inline content
  // instead of loosening the API-wide policy.
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: false } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

export default fp(openapi, { name: 'openapi' });
