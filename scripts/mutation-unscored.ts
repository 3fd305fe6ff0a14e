/**
 * Fails when a group's mutation report holds static mutants that Stryker ignored.
 *
 * The app and lib groups set `ignoreStatic`: a mutant in code that runs only when a module
 * loads would otherwise cost a run of the group's whole suite. Their tests load such
 * modules anew inside each test instead (test/support/fresh-module.ts), which traces those
 * mutants to the tests that pin them, so they are run and scored. A module-level table
 * added without such a test would be ignored again, silently, outside the score: this check
 * makes it a failure that names the file and line.
 *
 *   npx tsx scripts/mutation-unscored.ts reports/mutation/app.json
 */
import { readFileSync } from 'node:fs';

interface Report {
  files: Record<string, { mutants: Array<{ status: string; statusReason?: string; mutatorName: string; location: { start: { line: number } } }> }>;
}

const reportFile = process.argv[2];
if (!reportFile) throw new Error('usage: mutation-unscored.ts <stryker json report>');
const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
const unscored = Object.entries(report.files).flatMap(([file, { mutants }]) =>
  mutants.filter((mutant) => mutant.status === 'Ignored' && /^Static mutant/.test(mutant.statusReason ?? '')).map((mutant) => `${file}:${mutant.location.start.line} ${mutant.mutatorName}`),
);
if (unscored.length > 0) {
  console.error(`${reportFile}: ${unscored.length} static mutant(s) ignored, unscored. Load their module in the test that pins them (test/support/fresh-module.ts):`);
  for (const line of unscored) console.error(`  ${line}`);
  process.exit(1);
}
console.log(`${reportFile}: no static mutant ignored`);
