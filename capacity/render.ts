/** The capacity and cost report `npm run capacity` prints (Markdown). */
import type { StageConfig } from '../lib/config';
import type { CostItem } from './cost';
import { totals } from './cost';
import type { CapacityFit } from './fit';
import { PRICED_REGION, PRICES, PRICES_AS_OF } from './prices';
import type { MeasuredThroughput } from './throughput';

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function databaseCpuLine(measured: MeasuredThroughput, fit: CapacityFit): string {
  const { databaseCpu } = fit;
  if (databaseCpu.neededVcpus === undefined) return 'Database CPU: not measured by the bench.';
  return `Database CPU (PostgreSQL on the bench machine, ${measured.databaseCpuMsPerRequest!.toFixed(3)} ms per request of the mix): ${databaseCpu.neededVcpus.toFixed(2)} vCPU at the target, of ${databaseCpu.plannedVcpus.toFixed(2)} planned on the writer's ${databaseCpu.writerVcpus} (an estimate for Aurora: capacity/database-cpu.ts).`;
}

export function renderCapacityReport(config: StageConfig, measured: MeasuredThroughput, fit: CapacityFit, items: readonly CostItem[]): string {
  const total = totals(items);
  const unverified = [...new Set(items.flatMap((i) => i.prices))].filter((id) => !PRICES[id].verified);
  return [
    `## Capacity and cost: ${config.prefix}-${config.stage}`,
    '',
    `Per task (bench/results.json, ${measured.measuredAt}): read by id ${int(measured.readById)}, list ${int(measured.list)}, write ${int(measured.write)} requests/s at saturation; the 50/30/20 mix ${int(measured.mixed)}/s.`,
    `Planned per task: ${int(fit.perTaskPlanned)}/s. Target ${int(fit.targetRate)} requests/s → **${fit.tasksNeeded} tasks** needed; the scaling target of ${int(fit.scalingTargetPerTask)}/s per task runs **${fit.tasksScaledTo}** (maxTasks ${config.service.maxTasks}), and the cost below is for those.`,
    `Database connections at maxTasks during a deployment: ${int(fit.peakConnections)} of max_connections ${int(fit.maxConnections)}.`,
    databaseCpuLine(measured, fit),
    '',
    fit.problems.length === 0 ? '**Fits.**' : `**Does not fit:**\n${fit.problems.map((problem) => `- ${problem}`).join('\n')}`,
    '',
    `| item | idle / month | at ${int(fit.targetRate)} req/s / month | basis |`,
    '| --- | ---: | ---: | --- |',
    ...items.map((i) => `| ${i.item} | ${usd(i.idleUsd)} | ${usd(i.targetUsd)} | ${i.basis} |`),
    `| **total** | **${usd(total.idleUsd)}** | **${usd(total.targetUsd)}** | |`,
    '',
    `Unit prices: capacity/prices.ts, dated ${PRICES_AS_OF}, mostly us-east-1 list prices (the stage runs in ${PRICED_REGION}); not verified offline: ${unverified.join(', ') || 'none'}.`,
    '',
  ].join('\n');
}
