import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { LogicalIdSnapshot, LogicalIdSubject } from './snapshot';

/** One committed JSON file per subject, so concurrent additions never touch the same file. */
export const BASELINE_DIR = path.join(__dirname, '__baselines__');

/** Baselines of this repository's stages (not of the package) are named `stage-<name>`. */
export const STAGE_SUBJECT_PREFIX = 'stage-';

export function baselinePath(subject: LogicalIdSubject): string {
  return path.join(BASELINE_DIR, `${subject.name}.json`);
}

/** The path as messages show it: relative to the repository root. */
export function displayPath(file: string): string {
  return path.relative(path.join(__dirname, '..', '..', '..'), file);
}

export function readBaseline(subject: LogicalIdSubject): LogicalIdSnapshot | undefined {
  const file = baselinePath(subject);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LogicalIdSnapshot) : undefined;
}

export function writeBaseline(subject: LogicalIdSubject, snapshot: LogicalIdSnapshot): void {
  writeFileSync(baselinePath(subject), `${JSON.stringify(snapshot, null, 2)}\n`);
}

/** Baseline files whose subject is no longer in the table (a removed or renamed row). */
export function orphanedBaselines(subjects: readonly LogicalIdSubject[]): string[] {
  const expected = new Set(subjects.map((subject) => path.basename(baselinePath(subject))));
  return readdirSync(BASELINE_DIR).filter((file) => file.endsWith('.json') && !expected.has(file));
}
