/**
 * The worker container's settings, from the environment the state machine gives each task
 * (container overrides per step and worker). Every problem is reported at once, naming the
 * variable.
 */
export interface WorkerSettings {
  readonly targetUrl: string;
  readonly runId: string;
  readonly step: string;
  readonly workerId: string;
  /** Requests per second for this worker. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** The app's per-token limit (requests per minute), to size the worker's users. */
  readonly perUserLimitPerMinute: number;
  /** Where results go: an S3 bucket, or a local directory. */
  readonly results: { readonly bucket: string } | { readonly directory: string };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function parseWorkerEnv(env: Readonly<Record<string, string | undefined>>): WorkerSettings {
  const problems: string[] = [];
  const text = (name: string, pattern?: RegExp): string => {
    const value = env[name] ?? '';
    if (value === '') problems.push(`${name} is required`);
    else if (pattern && !pattern.test(value)) problems.push(`${name} must match ${pattern} (got "${value}")`);
    return value;
  };
  const positive = (name: string): number => {
    const value = Number(env[name]);
    if (!(value > 0 && Number.isFinite(value))) problems.push(`${name} must be a positive number (got "${env[name] ?? ''}")`);
    return value;
  };
  const targetUrl = text('TARGET_URL', /^https?:\/\/[^\s/]+$/);
  const settings = {
    targetUrl,
    runId: text('RUN_ID', NAME),
    step: text('STEP', NAME),
    workerId: text('WORKER_ID', NAME),
    rate: positive('RATE'),
    durationSeconds: positive('DURATION_SECONDS'),
    perUserLimitPerMinute: positive('RATE_LIMIT_PER_USER'),
  };
  const bucket = env.RESULTS_BUCKET ?? '';
  const directory = env.RESULTS_DIR ?? '';
  if ((bucket === '') === (directory === '')) problems.push('exactly one of RESULTS_BUCKET and RESULTS_DIR is required');
  if (problems.length > 0) throw new Error(`invalid worker environment:\n  - ${problems.join('\n  - ')}`);
  return { ...settings, results: bucket ? { bucket } : { directory } };
}
