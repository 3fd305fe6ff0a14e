import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, loadWorkflows, REPO_ROOT, runs, usesAction, type WorkflowStep } from './workflows';

const workflow = loadWorkflow('release.yml');
const { verify, publish } = workflow.jobs;
const steps = publish.steps ?? [];
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string>; devDependencies: Record<string, string> };

function indexOf(predicate: (step: WorkflowStep) => boolean, what: string): number {
  const index = steps.findIndex(predicate);
  expect(index, `${what} missing from the publish job`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('.github/workflows/release.yml', () => {
  it('runs on pushes to main only', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(publish.if).toBe("github.ref == 'refs/heads/main'");
  });

  it('publishes only after the same verification gate the deploy runs has passed', () => {
    expect(verify.uses).toBe(loadWorkflow('deploy.yml').jobs.verify.uses);
    expect(publish.needs).toBe('verify');
  });

  it('publishes with provenance through trusted publishing: an OIDC token, no npm token', () => {
    expect(publish.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const publishStep = steps[indexOf(runs('npm publish'), 'npm publish')];
    expect(publishStep.run?.trim()).toBe('npm publish --provenance --access public');
    for (const { file, text } of loadWorkflows()) expect(text, file).not.toMatch(/NPM_TOKEN|NODE_AUTH_TOKEN|secrets\./);
    // Trusted publishing needs npm >= 11.5.1: Node 24's npm, checked before anything is built.
    const setupNode = steps.find(usesAction('actions/setup-node'));
    expect(setupNode?.with?.['node-version']).toBe('24');
    expect(indexOf((step) => (step.run ?? '').includes('11.5.1'), 'npm version check')).toBeLessThan(indexOf(runs('npm ci'), 'npm ci'));
  });

  it('restores no dependency cache into the job that holds the OIDC token', () => {
    const setupNode = steps.find(usesAction('actions/setup-node'));
    expect(setupNode?.with?.['package-manager-cache']).toBe(false);
    expect(setupNode?.with?.cache).toBeUndefined();
    expect(steps.some(usesAction('actions/cache'))).toBe(false);
  });

  it('builds the library, then checks and reports the packed file list and size before publishing', () => {
    const build = indexOf(runs('npm run build:lib'), 'npm run build:lib');
    const report = indexOf((step) => /npm pack --dry-run --json \| npm run --silent release:summary >> "\$GITHUB_STEP_SUMMARY"/.test(step.run ?? ''), 'pack report');
    expect(steps[report].run).toContain('set -o pipefail');
    expect(report).toBeGreaterThan(build);
    expect(indexOf(runs('npm publish'), 'npm publish')).toBeGreaterThan(report);
    expect(manifest.scripts['release:summary']).toBe('tsx scripts/pack-summary.ts');
  });

  it('publishes a version once: skips a private package or a version already on npm', () => {
    const decide = steps.find((step) => step.id === 'version');
    expect(decide?.run).toContain('npm view "$name@$version"');
    expect(decide?.run).toContain(".private === true");
    for (const step of steps.slice(steps.indexOf(decide!) + 1)) expect(step.if, step.name).toBe("steps.version.outputs.publish == 'true'");
    expect(publish.concurrency).toEqual({ group: 'release-npm', 'cancel-in-progress': false });
  });
});

describe('changesets', () => {
  const changesetDir = join(REPO_ROOT, '.changeset');
  const config = JSON.parse(readFileSync(join(changesetDir, 'config.json'), 'utf8')) as Record<string, unknown>;

  it('versions from main and publishes publicly', () => {
    expect(config.baseBranch).toBe('main');
    expect(config.access).toBe('public');
    expect(manifest.devDependencies['@changesets/cli']).toBeDefined();
    expect(manifest.scripts['release:version']).toBe('changeset version');
  });

  // With npm workspaces changesets reads the repository as a monorepo and versions only its
  // workspaces: the library at the root is one only because "." is listed among them.
  it('plans a release of the library itself, the package at the repository root', () => {
    expect((manifest as unknown as { workspaces: string[] }).workspaces).toContain('.');
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-changesets-'));
    try {
      const output = join(dir, 'plan.json');
      execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'changeset'), ['status', '--output', output], { cwd: REPO_ROOT, stdio: 'pipe' });
      const plan = JSON.parse(readFileSync(output, 'utf8')) as { changesets: unknown[]; releases: Array<{ name: string }> };
      if (plan.changesets.length > 0) expect(plan.releases.map((release) => release.name)).toContain(manifest.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A release pull request consumes the pending changesets, so there may be none.
  it('names this package with a valid bump and a summary in every pending changeset', () => {
    const changesets = readdirSync(changesetDir).filter((file) => file.endsWith('.md') && file !== 'README.md');
    for (const file of changesets) {
      const frontMatter = /^---\n([\s\S]*?)\n---\n\s*\S/.exec(readFileSync(join(changesetDir, file), 'utf8'));
      expect(frontMatter, `${file} front matter and summary`).not.toBeNull();
      for (const line of frontMatter![1].split('\n')) expect(line, file).toMatch(new RegExp(`^"${manifest.name}": (patch|minor|major)$`));
    }
  });
});
