/**
 * The process entry: start tracing (first, so its hooks see `http` and `pg` load), build
 * the app, listen, and drain on SIGTERM/SIGINT (see shutdown.ts). Exit 0 after a clean
 * drain; exit 1 if it takes longer than SHUTDOWN_TIMEOUT_MS (default 20 s, inside ECS's
 * 30 s stop timeout) rather than being SIGKILLed mid-write.
 */
import { tracing } from './tracing';
import { buildApp } from './app';
import { loadConfig } from './config';
import { gracefulShutdown } from './shutdown';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApp({ config });

  let stopping = false;
  const onSignal = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: readiness failed, draining');
    const drained = await gracefulShutdown(app, config.shutdownTimeoutMs).catch((error: unknown) => {
      app.log.error({ err: error }, 'shutdown failed');
      return false;
    });
    await tracing?.shutdown().catch(() => undefined);
    if (drained) app.log.info('shutdown complete');
    else app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown did not complete in time; exiting anyway');
    process.exit(drained ? 0 : 1);
  };
  process.on('SIGTERM', () => void onSignal('SIGTERM'));
  process.on('SIGINT', () => void onSignal('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  // JSON like every other line; the message only (config errors name the variable).
  process.stderr.write(`${JSON.stringify({ level: 60, msg: 'startup failed', error: (error as Error).message })}\n`);
  process.exit(1);
});
