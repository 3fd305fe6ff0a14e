import { describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES, type StageConfig } from '../../lib/config';

// The load-test section's Fargate sizes and ramp steps, at the edges of what it accepts.

const loadTestProblems = (loadTest: Partial<StageConfig['loadTest']>) =>
  findConfigProblems({ ...STAGES.prod, loadTest: { ...STAGES.prod.loadTest, ...loadTest } }).filter((problem) => problem.startsWith('loadTest.'));

describe('load-test worker sizes', () => {
  // The Fargate memory range of each worker CPU size, in 1 GiB steps.
  const SIZES: ReadonlyArray<[workerCpu: number, min: number, max: number]> = [
    [512, 1024, 4096],
    [1024, 2048, 8192],
    [2048, 4096, 16384],
    [4096, 8192, 30720],
  ];

  it.each(SIZES)('%s CPU units take %s to %s MiB', (workerCpu, min, max) => {
    for (const workerMemoryMiB of [min, max]) expect(loadTestProblems({ workerCpu, workerMemoryMiB }), `${workerCpu}/${workerMemoryMiB}`).toEqual([]);
  });

  it.each(SIZES)('%s CPU units refuse a GiB below %s, a GiB above %s, and half steps', (workerCpu, min, max) => {
    for (const workerMemoryMiB of [min - 1024, max + 1024, min + 512]) {
      expect(loadTestProblems({ workerCpu, workerMemoryMiB }), `${workerCpu}/${workerMemoryMiB}`).toEqual([
        `loadTest.workerMemoryMiB ${workerMemoryMiB} is not a Fargate memory size for workerCpu ${workerCpu}`,
      ]);
    }
  });
});

describe('load-test ramp steps', () => {
  it('accepts steps from 1 % to 500 % of the target rate', () => {
    expect(loadTestProblems({ rampPercents: [1, 100, 500] })).toEqual([]);
  });

  it.each([0, 501])('refuses a step of %s %%', (percent) => {
    expect(loadTestProblems({ rampPercents: [percent, 100] })).toEqual([`loadTest.rampPercents[0] must be an integer percentage between 1 and 500 (got ${percent})`]);
  });
});
