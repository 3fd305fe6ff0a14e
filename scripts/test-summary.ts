// The closing line of .ci/run: "N passed, N failed" from vitest's JSON report. A test file
// that fails outside a test (an import error, a throwing beforeAll) reports its tests as
// skipped, not failed, so such a file counts as one failure of its own; and a run whose
// runner exited non-zero never claims "0 failed".
import { existsSync, readFileSync } from 'node:fs';

interface VitestReport {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly testResults: ReadonlyArray<{ readonly name: string; readonly status: string; readonly assertionResults: ReadonlyArray<{ readonly status: string }> }>;
}

export function summarize(report: VitestReport | undefined, exitCode: number): { passed: number; failed: number } {
  if (!report) return { passed: 0, failed: 1 };
  const filesFailedOutsideTests = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  const failed = report.numFailedTests + filesFailedOutsideTests;
  return { passed: report.numPassedTests, failed: exitCode !== 0 && failed === 0 ? 1 : failed };
}

if (require.main === module) {
  const [reportPath, exitCode] = process.argv.slice(2);
  const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as VitestReport) : undefined;
  const { passed, failed } = summarize(report, Number(exitCode));
  console.log(`${passed} passed, ${failed} failed`);
}
