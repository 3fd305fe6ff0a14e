/** The run's Markdown report: verdict, per-step figures from the merged histograms, and what CloudWatch saw. */
import type { StepReport } from './aggregate';
import type { ServiceMetricPoint } from './service-metrics';
import type { Slo, Verdict } from './verdict';

export interface ReportInput {
  readonly title: string;
  readonly runId: string;
  readonly slo: Slo;
  readonly steps: readonly StepReport[];
  readonly verdict: Verdict;
  readonly metrics: readonly ServiceMetricPoint[];
  /** File name of the SVG plot beside the report. */
  readonly plotFile: string;
  /** Extra lines (e.g. the single-process comparison of local mode). */
  readonly notes?: readonly string[];
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;
const cell = (value: number | undefined) => (value === undefined ? '–' : String(value));

export function renderReport(input: ReportInput): string {
  const { verdict } = input;
  const lines = [
    `# ${input.title}`,
    '',
    `Run \`${input.runId}\`. Objective: p99 ≤ ${input.slo.p99LatencyTargetMs} ms and ${(input.slo.availabilityTarget * 100).toFixed(1)} % availability at the target rate.`,
    '',
    `**${verdict.pass ? 'PASS' : 'FAIL'}**${verdict.step ? ` (judged at ${verdict.step})` : ''}${verdict.reasons.length ? ':' : ''}`,
    ...verdict.reasons.map((reason) => `- ${reason}`),
    '',
    '## Per step (every worker\'s histogram merged)',
    '',
    '| step | workers | asked req/s | delivered req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors | 429s | requests |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...input.steps.map((s) => `| ${s.step} | ${s.workers} | ${s.targetRate} | ${s.requestsPerSecond} | ${s.p50Ms} | ${s.p90Ms} | ${s.p99Ms} | ${s.p999Ms} | ${s.maxMs} | ${pct(s.errorRate)} | ${pct(s.rateLimitedRate)} | ${s.count} |`),
    '',
    `![latency over time](${input.plotFile})`,
    '',
    '## What CloudWatch saw (per minute)',
    '',
  ];
  if (input.metrics.length === 0) {
    lines.push('No CloudWatch data (a local run, or the metrics were not yet published).');
  } else {
    lines.push('| minute (UTC) | ALB TargetResponseTime p99 ms | 5xx | requests | running tasks |', '| --- | ---: | ---: | ---: | ---: |');
    lines.push(...input.metrics.map((m) => `| ${m.time.slice(0, 16).replace('T', ' ')} | ${cell(m.albP99Ms)} | ${cell(m.server5xx)} | ${cell(m.requests)} | ${cell(m.runningTasks)} |`));
  }
  if (input.notes?.length) lines.push('', '## Notes', '', ...input.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}
