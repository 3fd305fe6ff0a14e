import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readReport, summarize } from '../../scripts/test-summary';

const ROOT = path.join(__dirname, '..', '..');
// Inside the repository, so the fixtures resolve vitest from node_modules.
const CACHE = path.join(ROOT, 'node_modules', '.cache');
mkdirSync(CACHE, { recursive: true });

const file = (status: string, ...tests: string[]) => ({ name: 'x.test.ts', status, assertionResults: tests.map((s) => ({ status: s })) });

describe('the closing line of .ci/run', () => {
  it('counts passed and failed tests', () => {
    expect(summarize({ numPassedTests: 3, numFailedTests: 1, testResults: [file('failed', 'passed', 'passed', 'passed', 'failed')] }, 1)).toEqual({ passed: 3, failed: 1 });
  });

  it('counts a file whose beforeAll threw (its tests reported as skipped) as a failure', () => {
    const report = { numPassedTests: 4, numFailedTests: 0, testResults: [file('passed', 'passed', 'passed', 'passed', 'passed'), file('failed', 'skipped', 'skipped')] };
    expect(summarize(report, 1)).toEqual({ passed: 4, failed: 1 });
  });

  it('never says 0 failed when the runner exited non-zero', () => {
    expect(summarize({ numPassedTests: 5, numFailedTests: 0, testResults: [file('passed', 'passed')] }, 1)).toEqual({ passed: 5, failed: 1 });
    expect(summarize({ numPassedTests: 5, numFailedTests: 0, testResults: [file('passed', 'passed')] }, 0)).toEqual({ passed: 5, failed: 0 });
  });

  it('reports a missing report as one failure', () => {
    expect(summarize(undefined, 0)).toEqual({ passed: 0, failed: 1 });
  });
});

describe('a report the closing line cannot trust', () => {
  const directory = mkdtempSync(path.join(CACHE, 'bulwark-report-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const reportFile = (name: string, text: string): string => {
    const at = path.join(directory, name);
    writeFileSync(at, text);
    return at;
  };
  const valid = { numPassedTests: 2, numFailedTests: 0, testResults: [file('passed', 'passed', 'passed')] };

  it('reads a vitest report, and nothing from a missing, truncated or foreign one', () => {
    expect(readReport(reportFile('valid.json', JSON.stringify(valid)))).toEqual(valid);
    expect(readReport(path.join(directory, 'absent.json'))).toBeUndefined();
    expect(readReport(reportFile('truncated.json', JSON.stringify(valid).slice(0, 40)))).toBeUndefined();
    expect(readReport(reportFile('null.json', 'null'))).toBeUndefined();
    const { testResults: _dropped, ...noFiles } = valid;
    expect(readReport(reportFile('no-files.json', JSON.stringify(noFiles)))).toBeUndefined();
    expect(readReport(reportFile('count-as-text.json', JSON.stringify({ ...valid, numFailedTests: '0' })))).toBeUndefined();
    expect(readReport(reportFile('file-without-tests.json', JSON.stringify({ ...valid, testResults: [{ name: 'x', status: 'passed' }] })))).toBeUndefined();
  });

  /** The script as .ci/run calls it: its line and its exit status. */
  const runSummary = (report: string, runnerStatus: number) => {
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts', 'test-summary.ts'), report, String(runnerStatus)], { encoding: 'utf8' });
    return { line: run.stdout.trim(), status: run.status };
  };

  it('prints one failure and exits 1 for a truncated report, although the runner exited 0', () => {
    expect(runSummary(reportFile('cut.json', '{"numPassedTests": 2, "numFa'), 0)).toEqual({ line: '0 passed, 1 failed', status: 1 });
  });

  it('exits 0 only with 0 failed', () => {
    expect(runSummary(reportFile('ok.json', JSON.stringify(valid)), 0)).toEqual({ line: '2 passed, 0 failed', status: 0 });
    expect(runSummary(reportFile('ok-but-runner-failed.json', JSON.stringify(valid)), 1)).toEqual({ line: '2 passed, 1 failed', status: 1 });
  });
});

describe('the closing line of .ci/run, from a real vitest JSON report', () => {
  const directory = mkdtempSync(path.join(CACHE, 'bulwark-summary-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** Runs vitest over `files` (name → source) the way .ci/run does, and summarizes its report. */
  function runFixtures(files: Record<string, string>) {
    const root = mkdtempSync(path.join(directory, 'run-'));
    writeFileSync(path.join(root, 'vitest.config.mjs'), "export default { test: { include: ['*.spec.ts'] } };\n");
    for (const [name, source] of Object.entries(files)) writeFileSync(path.join(root, name), source);
    const report = path.join(root, 'report.json');
    const run = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', root, '--reporter=json', `--outputFile.json=${report}`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    // Through readReport, as the script reads it: a real report must pass its shape check.
    const parsed = readReport(report);
    expect(parsed, 'vitest report in the shape test-summary reads').toBeDefined();
    return { status: run.status, summary: summarize(parsed, run.status ?? 1) };
  }

  const passing = "import { it } from 'vitest';\nit('passes', () => {});\nit('passes too', () => {});\n";

  it('counts a file whose beforeAll throws, and a file that fails to import, as failures', () => {
    const { status, summary } = runFixtures({
      'passing.spec.ts': passing,
      'hook.spec.ts': "import { beforeAll, it } from 'vitest';\nbeforeAll(() => { throw new Error('no database'); });\nit('never runs', () => {});\n",
      'import.spec.ts': "import './missing-module';\nimport { it } from 'vitest';\nit('never runs', () => {});\n",
    });
    expect(status).not.toBe(0);
    expect(summary).toEqual({ passed: 2, failed: 2 });
  });

  it('counts a throwing afterAll as a failure although every test passed', () => {
    const { status, summary } = runFixtures({ 'teardown.spec.ts': "import { afterAll, it } from 'vitest';\nafterAll(() => { throw new Error('leak'); });\nit('passes', () => {});\n" });
    expect(status).not.toBe(0);
    expect(summary.failed).toBeGreaterThan(0);
  });

  it('says 0 failed only when vitest exited 0', () => {
    const { status, summary } = runFixtures({ 'passing.spec.ts': passing });
    expect(status).toBe(0);
    expect(summary).toEqual({ passed: 2, failed: 0 });
  });
});
