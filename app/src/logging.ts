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
  /** Requests at least this slow are always logged ... */
  readonly slowRequestMs: number;
  /**
   * ... up to this many lines a second. Past it they are counted, and the next slow line
   * carries the count (`slowRequestsNotLogged`).
   */
  readonly slowRequestLogsPerSecond: number;
  /** Source of randomness, injectable for tests. @default Math.random */
  readonly random?: () => number;
  /** Clock in milliseconds, injectable for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * One line per request (at completion, with status and duration) instead of Fastify's
 * two, and none for health checks: at thousands of requests per second per task, log
 * volume is a real cost. Errors and 4xx/5xx answers are always logged; the rest are
 * sampled, except slow requests, which are logged within a budget per second. Without the
 * budget an overloaded task, where most requests are slow, would log nearly every request
 * and spend CPU it does not have on it, making the tail longer (docs/capacity.md).
 */
export class RequestLogController extends LogController {
  private readonly random: () => number;
  private readonly now: () => number;
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private slowLinesInWindow = 0;
  private slowNotLogged = 0;

  constructor(private readonly sampling: RequestLogSampling) {
    super({ requestIdLogLabel: 'requestId', disableRequestLogging: (request) => QUIET_PATHS.has(request.url) });
    this.random = sampling.random ?? Math.random;
    this.now = sampling.now ?? Date.now;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const failed = Boolean(error) || reply.statusCode >= 400;
    const slow = !failed && reply.elapsedTime >= this.sampling.slowRequestMs;
    if (!failed && !slow && this.random() >= this.sampling.sampleRate) return;
    const fields: Record<string, unknown> = { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime };
    if (slow) {
      if (!this.slowLineAllowed()) {
        this.slowNotLogged += 1;
        return;
      }
      if (this.slowNotLogged > 0) fields.slowRequestsNotLogged = this.slowNotLogged;
      this.slowNotLogged = 0;
    }
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, 'request completed');
  }

  /** One-second windows: cheap, and a burst at a window's edge costs at most twice the budget. */
  private slowLineAllowed(): boolean {
    const now = this.now();
    if (now - this.windowStartMs >= 1_000) {
      this.windowStartMs = now;
      this.slowLinesInWindow = 0;
    }
    if (this.slowLinesInWindow >= this.sampling.slowRequestLogsPerSecond) return false;
    this.slowLinesInWindow += 1;
    return true;
  }
}
