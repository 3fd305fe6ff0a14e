/**
 * Checks and reports the tarball the release is about to publish. Reads the output of
 * `npm pack --json` on stdin, fails when the manifest's entry points or a Lambda bundle (with
 * its THIRD-PARTY-NOTICES.md) are not in it, or a source map outside the Lambda bundles or
 * this repository's stage config is, and prints the file list and sizes as Markdown
 * (release.yml appends it to the job summary; consumer-smoke.sh checks every tarball it packs):
 *
 *   npm pack --json | npm run --silent release:summary >> "$GITHUB_STEP_SUMMARY"
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LAMBDAS } from '../lambda/bundles';
import { checkEntryPoints, checkLambdaBundles, checkNoDeploymentConfig, checkSourceMaps, PackCheckError, parsePackReport, renderPackSummary, type EntryPoints } from './pack-summary/summary';

try {
  const report = parsePackReport(readFileSync(0, 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as EntryPoints;
  checkEntryPoints(report, { main: manifest.main, types: manifest.types });
  checkLambdaBundles(report, LAMBDAS);
  checkSourceMaps(report);
  checkNoDeploymentConfig(report);
  process.stdout.write(renderPackSummary(report));
} catch (error) {
  if (!(error instanceof PackCheckError)) throw error;
  console.error(`pack-summary: ${error.message}`);
  process.exitCode = 1;
}
