/**
 * Structured JSON logs (pino). Each request's log lines carry its request id and, when
 * the load balancer or an upstream sent one, its trace id in X-Ray form, so a log line
 * can be found from a trace and the other way round.
 */
import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';

const XRAY_ROOT = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/i;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i;

/** The trace id of an incoming request in X-Ray form (1-xxxxxxxx-yyyyyyyyyyyyyyyyyyyyyyyy), if it has one. */
export function traceIdFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const amzn = headers['x-amzn-trace-id'];
  const root = typeof amzn === 'string' ? XRAY_ROOT.exec(amzn)?.[1] : undefined;
  if (root) return root.toLowerCase();
  const traceparent = headers.traceparent;
  const w3c = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent.trim())?.[1] : undefined;
  if (!w3c || /^0+$/.test(w3c)) return undefined;
  return `1-${w3c.slice(0, 8)}-${w3c.slice(8)}`.toLowerCase();
}

export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    // Credentials never reach the logs.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; headers: IncomingHttpHeaders }) => ({
        method: req.method,
        url: req.url,
        userAgent: req.headers['user-agent'],
      }),
    },
  };
}

export const childLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options, rawRequest) {
  const traceId = traceIdFromHeaders(rawRequest.headers);
  return logger.child(traceId ? { ...bindings, traceId } : bindings, options);
};

const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/** Which completed requests get a log line. */
export interface RequestLogSampling {
  /** Share (0..1) of successful, fast requests that are logged. */
  readonly sampleRate: number;
  /** Requests at least this slow are always logged. */
  readonly slowRequestMs: number;
  /** Source of randomness, injectable for tests. @default Math.random */
  readonly random?: () => number;
}

/**
 * One line per request (at completion, with status and duration) instead of Fastify's
 * two, and none for health checks: at thousands of requests per second per task, log
 * volume is a real cost. Errors, 4xx/5xx and slow requests are always logged; the rest
 * are sampled.
 */
export class RequestLogController extends LogController {
  private readonly random: () => number;

  constructor(private readonly sampling: RequestLogSampling = { sampleRate: 1, slowRequestMs: 50 }) {
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: (request) => QUIET_PATHS.has(request.url) });
    this.random = sampling.random ?? Math.random;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const worthKeeping = error || reply.statusCode >= 400 || reply.elapsedTime >= this.sampling.slowRequestMs;
    if (!worthKeeping && this.random() >= this.sampling.sampleRate) return;
    const fields = { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }
}
