import type { StageConfig } from './stage-config';

/** Fargate memory sizes (MiB) each worker CPU size allows (the sizes a worker may use). */
const WORKER_MEMORY: Record<number, readonly [min: number, max: number]> = { 512: [1024, 4096], 1024: [2048, 8192], 2048: [4096, 16384], 4096: [8192, 30720] };
/** WAF IP sets and Step Functions Map concurrency stay sensible below this. */
const MAX_WORKERS = 200;

/** Problems of the `loadTest` section, each naming its field (checked whether or not it is enabled). */
export function findLoadTestProblems(c: StageConfig): string[] {
  const problems: string[] = [];
  const t = c.loadTest;
  const integer = (field: string, value: number, min: number, max: number) => {
    if (!(Number.isInteger(value) && value >= min && value <= max)) problems.push(`loadTest.${field} must be an integer between ${min} and ${max} (got ${value})`);
  };
  integer('targetRequestsPerSecond', t.targetRequestsPerSecond, 1, 10_000_000);
  integer('workers', t.workers, 1, MAX_WORKERS);
  const memory = WORKER_MEMORY[t.workerCpu];
  if (!memory) problems.push(`loadTest.workerCpu must be one of ${Object.keys(WORKER_MEMORY).join(', ')} (got ${t.workerCpu})`);
  else if (!(t.workerMemoryMiB >= memory[0] && t.workerMemoryMiB <= memory[1] && t.workerMemoryMiB % 1024 === 0)) {
    problems.push(`loadTest.workerMemoryMiB ${t.workerMemoryMiB} is not a Fargate memory size for workerCpu ${t.workerCpu}`);
  }
  if (t.rampPercents.length === 0) problems.push('loadTest.rampPercents must list at least one step');
  t.rampPercents.forEach((percent, index) => {
    if (!(Number.isInteger(percent) && percent >= 1 && percent <= 500)) problems.push(`loadTest.rampPercents[${index}] must be an integer percentage between 1 and 500 (got ${percent})`);
  });
  if (!t.rampPercents.includes(100)) problems.push('loadTest.rampPercents must include 100: the pass/fail verdict is judged at the target rate');
  integer('warmUpSeconds', t.warmUpSeconds, 0, 3600);
  integer('stepSeconds', t.stepSeconds, 30, 7200);
  integer('resultsExpirationDays', t.resultsExpirationDays, 1, 3650);
  return problems;
}

/** `config` with its LoadTest stack switched on, for one synthesis (`-c loadTest=enabled`). */
export function withLoadTestEnabled(config: StageConfig): StageConfig {
  return { ...config, loadTest: { ...config.loadTest, enabled: true } };
}

/** vCPU the workers of a run hold at once. */
export function loadTestWorkerVcpu(config: Pick<StageConfig, 'loadTest'>): number {
  return config.loadTest.enabled ? (config.loadTest.workers * config.loadTest.workerCpu) / 1024 : 0;
}
