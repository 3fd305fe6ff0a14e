/**
 * Problems Fastify answers before any route, plugin or hook runs: a URL it cannot decode
 * (`/%zz`, FST_ERR_BAD_URL), a path parameter over its length limit, and requests Node's
 * HTTP parser rejects on the socket (malformed request line, oversized headers). Those
 * bypass the error handler and helmet, so they get the same problem+json body, the
 * security headers (`EDGE_SECURITY_HEADERS`, kept equal to helmet's by a test) and a
 * request id here; the URL is never echoed.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem';
import { API_CSP } from './plugins/security-headers';

/** What helmet (plugins/security-headers.ts) sends on every API response. */
export const EDGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': API_CSP.replace(/; /g, ';'),
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'cache-control': 'no-store',
};

const FRAMEWORK_ERROR_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL is malformed.',
  FST_ERR_MAX_PARAM_LENGTH: 'A path segment is too long.',
};

/** Fastify's `frameworkErrors` option: the request and reply exist, but no hook has run. */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = function (
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  request.log.info({ code: error.code }, 'client error before routing');
  const detail = FRAMEWORK_ERROR_DETAILS[error.code] ?? 'The request is malformed.';
  void reply.headers({ ...EDGE_SECURITY_HEADERS, 'x-request-id': request.id }).code(400).type(PROBLEM_CONTENT_TYPE).send(problemBody(400, detail));
};

/** Node's HTTP parser errors, keyed by code: the status each one earns (any other, or none, is 400). */
const PARSER_ERROR_STATUS: ReadonlyMap<string | undefined, number> = new Map([
  ['ERR_HTTP_REQUEST_TIMEOUT', 408],
  ['HPE_HEADER_OVERFLOW', 431],
]);

/**
 * Fastify's `clientErrorHandler` option: only a raw socket exists, so the response is
 * written by hand (and the connection closed, as Node does).
 */
export function clientErrorHandler(this: { log: { info(obj: object, msg: string): void } }, error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = PARSER_ERROR_STATUS.get(error.code) ?? 400;
  const requestId = randomUUID();
  this.log.info({ code: error.code, status, requestId }, 'client error in the HTTP parser');
  if (socket.writable) socket.write(rawResponse(status, requestId));
  socket.destroy();
}

export function rawResponse(status: number, requestId: string): string {
  const body = JSON.stringify(problemBody(status, 'The request could not be parsed as HTTP.'));
  const headers = {
    ...EDGE_SECURITY_HEADERS,
    'x-request-id': requestId,
    'content-type': `${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
