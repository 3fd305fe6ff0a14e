/**
 * Checks and reports the tarball the release is about to publish. Reads the output of
 * `npm pack --dry-run --json` on stdin, fails when the manifest's entry points are not in
 * it, and prints the file list and sizes as Markdown (release.yml appends it to the job
 * summary):
 *
 *   npm pack --dry-run --json | npm run --silent release:summary >> "$GITHUB_STEP_SUMMARY"
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkEntryPoints, PackCheckError, parsePackReport, renderPackSummary, type EntryPoints } from './pack-summary/summary';

try {
  const report = parsePackReport(readFileSync(0, 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as EntryPoints;
  checkEntryPoints(report, { main: manifest.main, types: manifest.types });
  process.stdout.write(renderPackSummary(report));
} catch (error) {
  if (!(error instanceof PackCheckError)) throw error;
  console.error(`pack-summary: ${error.message}`);
  process.exitCode = 1;
}
