/**
 * The process entry: start tracing (first, so its hooks see `http` and `pg` load), build
 * the app, listen, and shut down gracefully on SIGTERM/SIGINT:
 *   1. readiness fails at once (the ALB stops sending new requests);
 *   2. the server stops accepting connections; in-flight requests finish, idle
 *      keep-alive sockets are closed, requests arriving meanwhile get 503;
 *   3. the pool closes and metrics flush; exit 0.
 * If that takes longer than SHUTDOWN_TIMEOUT_MS (default 20 s, inside ECS's 30 s stop
 * timeout) the process exits 1 rather than being SIGKILLed mid-write.
 */
import { tracing } from './tracing';
import { buildApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp({ config });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.lifecycle.shuttingDown = true;
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: readiness failed, draining');
    const deadline = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed; exiting with requests still open');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    app
      .close()
      .then(() => tracing?.shutdown())
      .then(() => {
        app.log.info('shutdown complete');
        process.exit(0);
      })
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  // Logged as JSON like everything else; the message only (config errors name the variable).
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'startup failed', error: (error as Error).message })}\n`);
  process.exit(1);
});
