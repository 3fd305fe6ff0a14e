/**
 * Config wiring, proven: two stages whose every field differs (WIRED_A, WIRED_B; A also
 * differs from dev, prod and the construct defaults) are built through the real stage
 * (createStage + the tags and cdk-nag bin/ applies), and every config field is found where
 * it belongs in both. Deleting a wiring in a stack leaves the construct's default in the
 * template, which one of the two stages does not hold, so a row fails.
 */
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { findConfigProblems, STAGES } from '../../lib/config';
import { leafPaths, valueAt } from './wiring/leaf-paths';
import { WIRED_A, WIRED_B } from './wiring/stages';
import { synthesizeWiredStage, type WiredStage } from './wiring/synthesize';
import { WIRING, type WiringRow } from './wiring/table';

const rows = Object.entries(WIRING) as Array<[string, WiringRow]>;
const configuredPaths = [...new Set([...leafPaths(WIRED_A), ...leafPaths(WIRED_B)])].sort();

/** What to add when a config field has no row: the failure message of the coverage test. */
function missingRowMessage(path: string): string {
  return [
    `config field "${path}" has no wiring row. Add one to WIRING in test/stacks/wiring/table.ts:`,
    `  '${path}': { where: '<Stack>: <resource> <property>', proves: (s) => expect(<the value in s.templates.<tier>>).toBe(s.config.${path}) },`,
    `and give "${path}" different values in WIRED_A and WIRED_B (test/stacks/wiring/stages.ts), WIRED_A's unlike dev's, prod's and the construct's default.`,
  ].join('\n');
}

describe('the wiring table covers every config field', () => {
  it('has a row for every field the wiring stages set', () => {
    const missing = configuredPaths.filter((path) => !(path in WIRING));
    expect(missing.map(missingRowMessage)).toEqual([]);
  });

  it('has no row for a field neither wiring stage sets (a row that proves nothing)', () => {
    const unset = rows.map(([path]) => path).filter((path) => !configuredPaths.includes(path));
    expect(unset.map((path) => `WIRING has a row for "${path}" but neither WIRED_A nor WIRED_B sets it: set it in test/stacks/wiring/stages.ts`)).toEqual([]);
  });

  it('explains the fix when a field has no row', () => {
    expect(missingRowMessage('securityBaseline.example')).toMatch(/^config field "securityBaseline.example" has no wiring row\. Add one to WIRING in test\/stacks\/wiring\/table\.ts:\n {2}'securityBaseline\.example': \{ where:/);
  });

  it('finds new fields, nested and optional ones included', () => {
    const extended = { ...WIRED_A, loadTest: { targetRps: 5 }, service: { ...WIRED_A.service, migrations: { timeoutSeconds: 30 } } };
    expect(leafPaths(extended).filter((path) => !(path in WIRING))).toEqual(['service.migrations.timeoutSeconds', 'loadTest.targetRps']);
  });
});

describe('the wiring stages', () => {
  it.each([WIRED_A, WIRED_B])('$stage is a valid stage', (config) => {
    expect(findConfigProblems(config)).toEqual([]);
  });

  it('differ from each other in every field', () => {
    const same = configuredPaths.filter((path) => isDeepStrictEqual(valueAt(WIRED_A, path), valueAt(WIRED_B, path)));
    expect(same).toEqual([]);
  });

  it('hold values the shipped stages and the construct defaults do not (two-valued fields: one stage each)', () => {
    const shipped = [STAGES.dev, STAGES.prod];
    const problems = configuredPaths.flatMap((path) => {
      const ours = [WIRED_A, WIRED_B].map((config) => valueAt(config, path));
      const theirs = shipped.map((config) => valueAt(config, path));
      const twoValued = theirs.every((value) => ours.some((o) => isDeepStrictEqual(o, value))) && !isDeepStrictEqual(theirs[0], theirs[1]);
      // Fields set in one stage only (exclusive ones) are judged by that stage's value.
      const unlikeShipped = twoValued || ours.some((value) => value !== undefined && !theirs.some((their) => isDeepStrictEqual(their, value)));
      const row = WIRING[path as keyof typeof WIRING];
      const unlikeDefault = row?.constructDefault === undefined || ours.every((value) => !isDeepStrictEqual(value, row.constructDefault));
      return [...(unlikeShipped ? [] : [`${path}: no wiring stage holds a value unlike dev's and prod's`]), ...(unlikeDefault ? [] : [`${path}: a wiring stage holds the construct default`])];
    });
    expect(problems).toEqual([]);
  });
});

describe.each([WIRED_A, WIRED_B])('stage $stage, synthesized through createStage', (config) => {
  let stage: WiredStage;
  beforeAll(() => {
    stage = synthesizeWiredStage(config);
  });

  it('has zero unsuppressed cdk-nag findings in any stack', () => {
    expect(stage.nagFindings).toEqual([]);
  });

  it.each(rows)('wires %s', (_path, row) => {
    row.proves(stage);
  });
});
