import { describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES, type StageConfig } from '../../lib/config';
import { LOAD_TEST_RULES, sourceIsInstrumented, validationRules } from './validation-rules';

const prodWith = (loadTest: Partial<StageConfig['loadTest']>): StageConfig => ({ ...STAGES.prod, loadTest: { ...STAGES.prod.loadTest, ...loadTest } });

describe('the loadTest integer fields', () => {
  // Each integer field just outside its range on both sides, and accepted at both ends.
  const RANGES: ReadonlyArray<[field: 'warmUpSeconds' | 'stepSeconds' | 'resultsExpirationDays' | 'targetRequestsPerSecond' | 'workers', min: number, max: number]> = [
    ['targetRequestsPerSecond', 1, 10_000_000],
    ['workers', 1, 200],
    ['warmUpSeconds', 0, 3600],
    ['stepSeconds', 30, 7200],
    ['resultsExpirationDays', 1, 3650],
  ];
  const outOfRange = RANGES.flatMap(([field, min, max]) => [min - 1, max + 1, min + 0.5].map((value) => [field, value, min, max] as const));

  it.each(outOfRange)('rejects loadTest.%s = %s, naming the field and its range', (field, value, min, max) => {
    expect(findConfigProblems(prodWith({ [field]: value }))).toEqual([`loadTest.${field} must be an integer between ${min} and ${max} (got ${value})`]);
  });

  it.each(RANGES)('accepts loadTest.%s at %s and at %s', (field, min, max) => {
    for (const value of [min, max]) expect(findConfigProblems(prodWith({ [field]: value })), `${field} = ${value}`).toEqual([]);
  });

  it.skipIf(sourceIsInstrumented(LOAD_TEST_RULES))('has a rejecting case for every rule in load-test.ts', () => {
    const produced = [
      ...outOfRange.flatMap(([field, value]) => findConfigProblems(prodWith({ [field]: value }))),
      ...findConfigProblems(prodWith({ workerCpu: 1024, workerMemoryMiB: 1024, rampPercents: [25, 50.5] })),
      ...findConfigProblems(prodWith({ workerCpu: 300 })),
      ...findConfigProblems(prodWith({ rampPercents: [] })),
    ];
    const uncovered = validationRules(LOAD_TEST_RULES).filter((rule) => !produced.some((problem) => rule.pattern.test(problem)));
    expect(uncovered.map((rule) => rule.template)).toEqual([]);
  });
});
