import { describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES } from '../../lib/config';

const RULE = /^observability\.availabilityTarget must be between 0\.9 and 1, exclusive/;

/** Prod with only its availability target changed. */
const problemsWithTarget = (availabilityTarget: number): string[] => {
  const config = structuredClone(STAGES.prod);
  return findConfigProblems({ ...config, observability: { ...config.observability, availabilityTarget } });
};

// An SLO of 90 % or less leaves no error budget worth alarming on; 100 % leaves none at all.
describe('the availabilityTarget rule: strictly between 0.9 and 1', () => {
  it.each([0.9, 0.5, 1, 1.5])('rejects %s', (target) => {
    expect(problemsWithTarget(target)).toEqual([expect.stringMatching(RULE)]);
  });

  it.each([0.9001, 0.99, 0.9999])('accepts %s', (target) => {
    expect(problemsWithTarget(target)).toEqual([]);
  });
});
