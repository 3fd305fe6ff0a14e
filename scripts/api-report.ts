/**
 * The package's public API report (etc/constructs.api.md, written by API Extractor from
 * the declarations `npm run build:lib` emits):
 *
 *   npm run api:check    fails when the public API differs from the committed report
 *   npm run api:update   rewrites the report (commit it with a changeset)
 */
import * as path from 'node:path';
import { ApiReportError, runApiReport } from './api-report/report';

const update = process.argv.includes('--update');
try {
  const result = runApiReport(path.join(__dirname, '..', 'api-extractor.json'), { update });
  const state = result.updated ? 'updated: commit it' : 'matches the public API';
  console.log(`api-report: ${result.reportPath} ${state} (${result.exportedDeclarations} exported declarations)`);
} catch (error) {
  if (!(error instanceof ApiReportError)) throw error;
  console.error(`api-report: ${error.message}`);
  process.exitCode = 1;
}
