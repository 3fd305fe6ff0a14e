/**
 * `npm run capacity -- --stage prod [--bench bench/results.json] [--utilisation 0.5]`: tasks
 * for the stage's target rate from the measured per-task throughput, whether the config fits
 * them, and the monthly cost at idle and at the target. Exits 1 when the config does not fit.
 */
import { join } from 'node:path';
import { capacityCommand } from '../capacity/command';

try {
  const { report, fits } = capacityCommand(process.argv.slice(2), join(__dirname, '..', 'bench', 'results.json'));
  console.log(report);
  process.exit(fits ? 0 : 1);
} catch (error) {
  console.error(`capacity: ${(error as Error).message}`);
  process.exit(2);
}
