import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = join(__dirname, '..', '..');
const groupConfig = async (group: string) => (await import(join(REPO_ROOT, 'stryker', `${group}.config.mjs`))).default;

describe('mutation testing setup', () => {
  it.each([
    ['lambda', 80, 'lambda/**/*.ts', 'stryker/vitest.lambda.mts'],
    ['app', 80, 'app/src/db/**/*.ts', 'stryker/vitest.app.mts'],
    ['lib', 70, 'lib/constructs/edge-protection-rules.ts', 'stryker/vitest.infra.mts'],
    ['stage-config', 70, 'lib/config/**/*.ts', 'stryker/vitest.stage-config.mts'],
  ])('the %s group breaks below %i %%, mutates its own folder and runs only its own tests', async (group, breakAt, mutated, vitestConfig) => {
    const config = await groupConfig(group);
    expect(config.thresholds.break).toBe(breakAt);
    expect(config.mutate).toContain(mutated);
    expect(config.vitest.configFile).toBe(vitestConfig);
    expect(config).toMatchObject({ coverageAnalysis: 'perTest', checkers: ['typescript'], incrementalFile: `stryker/baseline/${group}.json` });
    // CI's incremental run fails a group without one (scripts/mutation.sh).
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', config.incrementalFile], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(tracked.status, `${config.incrementalFile} is committed`).toBe(0);
  });

  it('leaves static mutants out of the score only in the groups whose suites build what they test in beforeAll, with the full run documented', async () => {
    expect((await groupConfig('app')).ignoreStatic).toBe(true);
    expect((await groupConfig('lib')).ignoreStatic).toBe(true);
    expect((await groupConfig('lambda')).ignoreStatic).toBe(false);
    expect((await groupConfig('stage-config')).ignoreStatic).toBe(false);
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'testing.md'), 'utf8');
    expect(docs).toContain('npx stryker run stryker/app.config.mjs --ignoreStatic false');
    expect(docs).toContain('npx stryker run stryker/lib.config.mjs --ignoreStatic false');
  });

  it('.ci/run runs it incrementally before npm test', () => {
    const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
    const mutation = ci.indexOf('npm run test:mutation -- --incremental');
    expect(mutation).toBeGreaterThan(0);
    expect(mutation).toBeLessThan(ci.indexOf('npm test --'));
  });

  it('refuses an unknown argument, and fails an incremental group with no committed baseline, naming the command', () => {
    // A copy of the script in a checkout without baselines, so the test never starts Stryker.
    const checkout = mkdtempSync(join(tmpdir(), 'mutation-script-'));
    try {
      mkdirSync(join(checkout, 'scripts'));
      copyFileSync(join(REPO_ROOT, 'scripts', 'mutation.sh'), join(checkout, 'scripts', 'mutation.sh'));
      const run = (...args: string[]) => spawnSync('bash', [join(checkout, 'scripts', 'mutation.sh'), ...args], { encoding: 'utf8' });
      const unknown = run('everything');
      expect(unknown.status).toBe(2);
      expect(unknown.stderr).toMatch(/unknown argument everything/);
      const missing = run('--incremental', 'lambda');
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain("lambda FAILED: no committed baseline; run 'npm run test:mutation -- lambda' and commit stryker/baseline/lambda.json");
      expect(missing.stderr).toContain('below the break threshold or failed: lambda');
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
