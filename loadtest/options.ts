/** `npm run loadtest -- --stage prod --rate 10000 --duration 10m [--workers 10] [--local] [--out dir]`. */
export interface LoadTestOptions {
  readonly stage: string;
  /** Requests per second at 100 %; the stage's loadTest.targetRequestsPerSecond when omitted. */
  readonly rate?: number;
  /** Seconds per ramp step; the stage's loadTest.stepSeconds when omitted. */
  readonly durationSeconds?: number;
  readonly workers?: number;
  /** Warm-up seconds; the stage's loadTest.warmUpSeconds when omitted. */
  readonly warmUpSeconds?: number;
  /** Against a local app on a throwaway PostgreSQL instead of the deployed stage. */
  readonly local: boolean;
  /** Directory the report goes to. */
  readonly out: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `90`, `90s`, `10m`, `1h` in seconds; throws naming the flag. */
export function parseDuration(flag: string, value: string): number {
  const match = /^(\d+)([smh]?)$/.exec(value);
  if (!match || Number(match[1]) === 0) throw new Error(`${flag} must be a duration such as 90s, 10m or 1h (got "${value}")`);
  return Number(match[1]) * UNITS[match[2] || 's'];
}

function positiveInteger(flag: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} must be a positive integer (got "${value}")`);
  return number;
}

export function parseLoadTestArgs(argv: readonly string[]): LoadTestOptions {
  const values = new Map<string, string>();
  let local = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--local') {
      local = true;
      continue;
    }
    if (!['--stage', '--rate', '--duration', '--workers', '--warm-up', '--out'].includes(flag)) throw new Error(`unknown option "${flag}" (use --stage, --rate, --duration, --workers, --warm-up, --local, --out)`);
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value`);
    values.set(flag, value);
  }
  const stage = values.get('--stage');
  if (!stage) throw new Error('--stage is required (e.g. --stage prod)');
  const optional = <T>(flag: string, parse: (flag: string, value: string) => T): T | undefined => (values.has(flag) ? parse(flag, values.get(flag)!) : undefined);
  return {
    stage,
    rate: optional('--rate', positiveInteger),
    durationSeconds: optional('--duration', parseDuration),
    workers: optional('--workers', positiveInteger),
    warmUpSeconds: optional('--warm-up', parseDuration),
    local,
    out: values.get('--out') ?? 'loadtest-reports',
  };
}
