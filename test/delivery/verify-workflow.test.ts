import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, REPO_ROOT, runs, usesAction, type WorkflowStep } from './workflows';

const gate = loadWorkflow('verify.yml').jobs.verify;
const steps = gate.steps ?? [];
const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

function indexOf(predicate: (step: WorkflowStep) => boolean, what: string): number {
  const index = steps.findIndex(predicate);
  expect(index, `${what} missing from verify.yml`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('.github/workflows/verify.yml', () => {
  it('fails a pull request that breaks users of the package without a major changeset, diffing against its merge base', () => {
    const check = steps[indexOf(runs('npm run release:check-breaking'), 'npm run release:check-breaking')];
    expect(scripts['release:check-breaking']).toBe('tsx scripts/check-breaking-changes.ts');
    expect(check.run?.trim()).toBe('npm run release:check-breaking -- --base "origin/${BASE_BRANCH#refs/heads/}"');
    expect(check.env?.BASE_BRANCH).toBe('${{ github.event.merge_group.base_ref || github.base_ref }}');
    // Pull requests and merge-queue groups: a group is checked as it would land.
    expect(check.if).toBe("github.event_name == 'pull_request' || github.event_name == 'merge_group'");
    // The merge base is only there with the whole history; the token is not kept to fetch it later.
    const checkout = steps.find(usesAction('actions/checkout'));
    expect(checkout?.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    expect(indexOf(runs('npm ci'), 'npm ci')).toBeLessThan(steps.indexOf(check));
  });

  it('installs the packed library into a fresh cdk init app and synthesizes it there', () => {
    const smoke = indexOf(runs('bash scripts/consumer-smoke.sh'), 'the consumer smoke test');
    expect(smoke).toBeGreaterThan(indexOf(runs('npm ci'), 'npm ci'));
    expect(steps[smoke].if).toBeUndefined();
  });
});
