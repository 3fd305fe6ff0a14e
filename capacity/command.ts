import { loadStageConfig } from '../lib/config';
import { monthlyCost } from './cost';
import { capacityFit } from './fit';
import { renderCapacityReport } from './render';
import { readBenchResults } from './throughput';

/** Share of its measured saturation a task is planned at (docs/capacity.md plans ~45 %). */
export const DEFAULT_UTILISATION = 0.5;

export function capacityCommand(argv: readonly string[], defaultBenchPath: string): { report: string; fits: boolean } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (!['--stage', '--bench', '--utilisation'].includes(argv[i])) throw new Error(`unknown option "${argv[i]}" (use --stage, --bench, --utilisation)`);
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    flags.set(argv[i], argv[i + 1]);
  }
  const stage = flags.get('--stage');
  if (!stage) throw new Error('--stage is required (e.g. --stage prod)');
  const utilisation = Number(flags.get('--utilisation') ?? DEFAULT_UTILISATION);
  const config = loadStageConfig(stage);
  const measured = readBenchResults(flags.get('--bench') ?? defaultBenchPath);
  const fit = capacityFit(config, measured.mixed, { utilisation, databaseCpuMsPerRequest: measured.databaseCpuMsPerRequest });
  const items = monthlyCost({ config, targetRate: fit.targetRate, targetTasks: fit.tasksScaledTo });
  return { report: renderCapacityReport(config, measured, fit, items), fits: fit.problems.length === 0 };
}
