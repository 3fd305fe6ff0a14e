/**
 * The application factory: external plugins first, then the app's own plugins, then the
 * routes. Tests call `buildApp()` and use `inject()`; server.ts only listens and handles
 * signals.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { AppConfig } from './config';
import { CursorCodec } from './cursor';
import type { Database } from './db/database';
import { Repository } from './db/repository';
import { clientErrorHandler, frameworkErrors } from './edge-problems';
import { useStrictJsonParser } from './json-body';
import { httpsOptions } from './tls';
import { childLoggerFactory, loggerOptions, RequestLogController } from './logging';
import auth from './plugins/auth';
import database from './plugins/database';
import errors from './plugins/errors';
import metrics, { type MetricsSink } from './plugins/metrics';
import openapi from './plugins/openapi';
import rateLimit from './plugins/rate-limit';
import securityHeaders from './plugins/security-headers';
import healthRoutes from './routes/health';
import homeRoutes from './routes/home';
import meRoutes from './routes/me';
import notesRoutes from './routes/notes';
import { noteSchema } from './routes/shared-schemas';
import usersRoutes from './routes/users';
import { createValidatorCompiler } from './validation';

declare module 'fastify' {
  interface FastifyInstance {
    repository: Repository;
    cursors: CursorCodec;
  }
}

export interface BuildAppOptions {
  readonly config: AppConfig;
  /** Use this database instead of opening one from config; it is not closed with the app. */
  readonly database?: Database;
  /** Where EMF metric lines go. @default - stdout */
  readonly metricsSink?: MetricsSink;
  /** Logger settings or instance. @default - JSON logs at config.logLevel on stdout */
  readonly logger?: FastifyServerOptions['logger'];
}

/**
 * How often Node looks for requests past their timeout: a request is cut off between
 * `requestTimeoutMs` and that plus this. Node's own default (30 s) would double a 30 s
 * timeout; the check only walks the open connections.
 */
const timeoutCheckIntervalMs = (requestTimeoutMs: number): number => Math.min(1_000, Math.ceil(requestTimeoutMs / 10));

/**
 * Node's server options, given when the server is created: Node derives headersTimeout
 * (min(60 s, requestTimeout)) and starts its timeout checks from these there.
 */
function nodeServerTimeouts(requestTimeoutMs: number): { requestTimeout: number; connectionsCheckingInterval: number } {
  return { requestTimeout: requestTimeoutMs, connectionsCheckingInterval: timeoutCheckIntervalMs(requestTimeoutMs) };
}

/**
 * Fastify's timeouts. `requestTimeout` bounds receiving a request (headers and body), so a
 * client cannot hold a socket and a request by trickling its body; it does not bound the
 * response (a GDPR export streams for up to EXPORT_DEADLINE_MS). Fastify's default is 0,
 * no limit, which replaces Node's 300 s. `connectionTimeout` (socket inactivity) stays
 * off: below the keep-alive timeout it would close idle keep-alive sockets the ALB still
 * means to reuse (502s); the ALB's own 60 s idle timeout bounds a silent client.
 */
function serverTimeouts(requestTimeoutMs: number): Pick<FastifyServerOptions, 'requestTimeout' | 'connectionTimeout'> {
  return { requestTimeout: requestTimeoutMs, connectionTimeout: 0 };
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const https = await httpsOptions(config.tls);
  const app = Fastify({
    ...(https ? { https: { ...https, ...nodeServerTimeouts(config.requestTimeoutMs) } } : { http: nodeServerTimeouts(config.requestTimeoutMs) }),
    logger: options.logger ?? loggerOptions(config.logLevel),
    childLoggerFactory,
    genReqId: () => randomUUID(),
    logController: new RequestLogController({
      sampleRate: config.requestLogSampleRate,
      slowRequestMs: config.slowRequestMs,
      slowRequestLogsPerSecond: config.slowRequestLogsPerSecond,
    }),
    // Trust exactly N hops of X-Forwarded-For (the ALB appends the client's address);
    // anything a client put in the header itself is further left and ignored.
    trustProxy: (_address: string, hop: number) => hop < config.trustedProxyHops,
    bodyLimit: config.bodyLimitBytes,
    ...serverTimeouts(config.requestTimeoutMs),
    // Shorter than the ALB's idle timeout is wrong (the ALB would reuse a closed socket);
    // keep-alive must outlive the ALB's 60 s default.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors,
    clientErrorHandler,
  });
  app.setValidatorCompiler(createValidatorCompiler());
  // The API speaks JSON only: any other body type is 415, not a string for the schema to reject.
  app.removeContentTypeParser('text/plain');
  useStrictJsonParser(app);
  app.decorate('lifecycle', { shuttingDown: false });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While draining, close each keep-alive socket after its response; otherwise an idle
  // keep-alive connection would hold server.close() open until the deadline.
  app.addHook('onSend', async (_request, reply) => {
    if (app.lifecycle.shuttingDown) reply.header('connection', 'close');
  });

  await app.register(securityHeaders);
  // The repository is decorated further down; the lookup only runs once requests arrive.
  await app.register(auth, { lookupUserId: (tokenHash) => app.repository.userId(tokenHash), knownUsers: config.rateLimitTrackedClients });
  await app.register(rateLimit, { perIp: config.rateLimitPerIp, perIpExempt: config.rateLimitPerIpExempt, perUser: config.rateLimitPerUser, trackedClients: config.rateLimitTrackedClients });
  await app.register(metrics, {
    namespace: config.metricsNamespace,
    stage: config.stage,
    flushIntervalMs: config.metricsFlushIntervalMs,
    sink: options.metricsSink,
  });
  await app.register(errors);
  await app.register(openapi);
  await app.register(database, { config: config.database, database: options.database });
  app.decorate('repository', new Repository(app.db));
  if (!config.cursorKey) app.log.warn('CURSOR_KEY is not set: pagination cursors are sealed with a random per-process key and fail on any other task');
  app.decorate('cursors', new CursorCodec(config.cursorKey ?? randomBytes(32)));
  app.addSchema(noteSchema);

  await app.register(healthRoutes);
  await app.register(homeRoutes, { rum: config.rum });
  await app.register(usersRoutes);
  await app.register(notesRoutes, { notesPerUserMax: config.notesPerUserMax });
  await app.register(meRoutes, { exportConcurrency: config.exportConcurrency, exportDeadlineMs: config.exportDeadlineMs, erasureBackupBoundDays: config.erasureBackupBoundDays });
  return app;
}
