/**
 * `npm run loadtest`: plan from the stage's config and the flags, run (on AWS, or locally
 * with --local), merge, judge against the stage's SLO config, and write
 * `<out>/<runId>/report.md` with `latency.svg` beside it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadStageConfig, stackName, type StageConfig } from '../lib/config';
import { aggregateResults, type StepReport } from './aggregate';
import type { AwsClients } from './aws-run';
import { runOnAws } from './aws-run';
import { latencyPlot } from './latency-plot';
import { runLocally } from './local-run';
import { parseLoadTestArgs, type LoadTestOptions } from './options';
import { planSteps, type RunSettings } from './plan';
import { renderReport } from './report';
import type { ServiceMetricPoint } from './service-metrics';
import { judge, type Verdict } from './verdict';

export interface CommandDependencies {
  /** Made only for a run on AWS, in the stage's region. */
  readonly awsClients: (region: string) => AwsClients;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
  readonly pollSeconds?: number;
}

export interface CommandResult {
  readonly reportPath: string;
  readonly verdict: Verdict;
  readonly steps: StepReport[];
}

export function runSettings(options: LoadTestOptions, config: StageConfig, runId: string): RunSettings {
  const { loadTest } = config;
  const workers = options.workers ?? loadTest.workers;
  if (!options.local && workers > loadTest.workers) {
    throw new Error(`--workers ${workers} is more than the ${loadTest.workers} the stage's state machine runs at once (loadTest.workers)`);
  }
  return {
    runId,
    targetRate: options.rate ?? loadTest.targetRequestsPerSecond,
    workers,
    rampPercents: loadTest.rampPercents,
    warmUpSeconds: options.warmUpSeconds ?? loadTest.warmUpSeconds,
    stepSeconds: options.durationSeconds ?? loadTest.stepSeconds,
  };
}

export async function runLoadTestCommand(argv: readonly string[], deps: CommandDependencies): Promise<CommandResult> {
  const options = parseLoadTestArgs(argv);
  const config = loadStageConfig(options.stage);
  const now = deps.now ?? (() => new Date());
  const runId = `${config.stage}-${options.local ? 'local-' : ''}${now().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').toLowerCase()}`;
  const settings = runSettings(options, config, runId);
  const slo = { p99LatencyTargetMs: config.service.p99LatencyTargetMs, availabilityTarget: config.observability.availabilityTarget };
  const targetStep = planSteps(settings).find((step) => step.percent === 100)!.name;
  deps.log(`${runId}: ${settings.targetRate} requests/s at 100 %, ${settings.workers} workers, steps ${planSteps(settings).map((s) => `${s.name} (${s.rate}/s × ${s.durationSeconds} s)`).join(', ')}`);

  let steps: StepReport[];
  let metrics: ServiceMetricPoint[] = [];
  const notes: string[] = [];
  if (options.local) {
    const local = await runLocally(settings, config.service.appRateLimitPerUser, deps.log);
    steps = local.steps;
    const merged = steps.find((s) => s.step === targetStep)!;
    notes.push(
      `Local run on 127.0.0.1 (app and PostgreSQL on this machine): the figures test the path, not the stage.`,
      `The same rate from one process (${local.singleWorker.targetRate} requests/s, one autocannon instance): p99 ${local.singleWorker.p99Ms} ms, p50 ${local.singleWorker.p50Ms} ms; from ${settings.workers} workers merged: p99 ${merged.p99Ms} ms, p50 ${merged.p50Ms} ms.`,
    );
  } else {
    const clients = deps.awsClients(config.region);
    const aws = await runOnAws(clients, stackName(config, 'LoadTest'), settings, { pollSeconds: deps.pollSeconds ?? 30, onProgress: deps.log });
    steps = aggregateResults(aws.results);
    metrics = aws.metrics;
  }

  const verdict = judge(steps, slo, targetStep);
  const directory = join(options.out, runId);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'latency.svg'), latencyPlot(steps, metrics, slo.p99LatencyTargetMs));
  const reportPath = join(directory, 'report.md');
  await writeFile(reportPath, renderReport({ title: `Load test of ${config.prefix}-${config.stage}`, runId, slo, steps, verdict, metrics, plotFile: 'latency.svg', notes }));
  deps.log(`${verdict.pass ? 'PASS' : 'FAIL'}: report in ${reportPath}`);
  return { reportPath, verdict, steps };
}
