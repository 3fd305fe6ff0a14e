/**
 * The runner's timeout reaches both functions as an environment variable, set by the
 * DatabaseMigration construct from its `timeout`. It travels with the function code, not
 * in the resource properties, so changing it never re-runs a migration, and a rollback's
 * code always finds the variable it expects.
 */
export const TIMEOUT_VARIABLE = 'MIGRATION_TIMEOUT_SECONDS';

/** The timeout in seconds; a missing or bad value fails the function's start-up, naming the variable. */
export function timeoutFromEnvironment(env: Record<string, string | undefined>): number {
  const raw = env[TIMEOUT_VARIABLE] ?? '';
  if (!/^[1-9]\d*$/.test(raw)) throw new Error(`${TIMEOUT_VARIABLE} must be a whole number of seconds, got ${JSON.stringify(env[TIMEOUT_VARIABLE])}`);
  return Number(raw);
}
