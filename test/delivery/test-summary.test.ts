import { describe, expect, it } from 'vitest';
import { summarize } from '../../scripts/test-summary';

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
