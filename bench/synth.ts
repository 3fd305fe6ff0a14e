/**
 * `npm run bench:synth`: times `cdk synth` of the prod stage against a minimal CDK app
 * (VPC + Fargate pattern + Aurora cluster, bench/synth/minimal-app.ts) in the same run,
 * alternating the two so machine load hits both alike, and prints the medians and ratio.
 * The target is a ratio under 2.5.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.SYNTH_BENCH_RUNS ?? 3);
const TARGET_RATIO = 2.5;

interface Subject {
  readonly name: string;
  readonly args: string[];
}

const subjects: Subject[] = [
  { name: 'minimal app (baseline)', args: ['--app', 'npx tsx bench/synth/minimal-app.ts'] },
  { name: 'Bulwark prod', args: ['--context', 'stage=prod'] },
];

function synthSeconds(subject: Subject): number {
  const output = mkdtempSync(join(tmpdir(), 'bulwark-synth-bench-'));
  const started = process.hrtime.bigint();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', output, ...subject.args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(output, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`cdk synth of ${subject.name} failed:\n${result.stderr}`);
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const timings = new Map<string, number[]>(subjects.map((s) => [s.name, []]));
// One untimed warm-up of each fills the OS file cache and npx's resolution cache.
for (const subject of subjects) synthSeconds(subject);
for (let run = 0; run < RUNS; run++) {
  for (const subject of subjects) timings.get(subject.name)!.push(synthSeconds(subject));
}

const baseline = median(timings.get(subjects[0].name)!);
const bulwark = median(timings.get(subjects[1].name)!);
const ratio = bulwark / baseline;
for (const subject of subjects) {
  const runs = timings.get(subject.name)!;
  console.log(`${subject.name.padEnd(24)} median ${median(runs).toFixed(2)} s  (runs: ${runs.map((t) => t.toFixed(2)).join(', ')})`);
}
console.log(`ratio Bulwark prod / baseline: ${ratio.toFixed(2)}x (target < ${TARGET_RATIO}x) ${ratio < TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
process.exitCode = ratio < TARGET_RATIO ? 0 : 1;
