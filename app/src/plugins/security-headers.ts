/**
 * Security headers on every response. The API only returns JSON, so the default CSP
 * allows nothing at all; the HTML page and the API docs set their own, narrower-than-
 * usual policies (see routes/home.ts and plugins/openapi.ts).
 *
 * helmet decides the headers, once, at start-up; each request only copies them. (The
 * @fastify/helmet plugin built a new helmet middleware for every request, re-parsing and
 * re-validating the CSP each time: a cost on every response, see docs/capacity.md.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
    },
  },
  strictTransportSecurity: { maxAge: 63_072_000, includeSubDomains: true, preload: false },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginEmbedderPolicy: false,
};

/** The headers helmet sets with these options (none depend on the request), by lower-case name. */
function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  helmet(HELMET_OPTIONS)({} as IncomingMessage, response, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

async function securityHeaders(app: FastifyInstance): Promise<void> {
  const headers = helmetHeaders();
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(headers);
  });
  // Responses carry per-user data: never cache them in shared caches.
  app.addHook('onSend', async (_request, reply) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
}

export default fp(securityHeaders, { name: 'security-headers' });
