// The closing line of .ci/run: "N passed, N failed" from vitest's JSON report. A test file
// that fails outside a test (an import error, a throwing beforeAll) reports its tests as
// skipped, not failed, so such a file counts as one failure of its own; a run whose runner
// exited non-zero never claims "0 failed"; and a report that is missing, truncated or not
// vitest's shape counts as one failure. The script exits 1 whenever it reports a failure, so
// .ci/run cannot print "N failed" and still pass.
import { readFileSync } from 'node:fs';

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

/** The report at `path`, or undefined when it is missing, not JSON, or not a vitest report. */
export function readReport(path: string): VitestReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // ENOENT (no report) or a report cut short.
    return undefined;
  }
  return isVitestReport(parsed) ? parsed : undefined;
}

function isVitestReport(value: unknown): value is VitestReport {
  const report = value as Partial<VitestReport> | null;
  return (
    typeof report === 'object' &&
    report !== null &&
    Number.isInteger(report.numPassedTests) &&
    Number.isInteger(report.numFailedTests) &&
    Array.isArray(report.testResults) &&
    report.testResults.every((file) => typeof file?.status === 'string' && Array.isArray(file.assertionResults))
  );
}

if (require.main === module) {
  const [reportPath, exitCode] = process.argv.slice(2);
  const { passed, failed } = summarize(readReport(reportPath), Number(exitCode));
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}
