import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflows, REPO_ROOT, runs, usesAction, type WorkflowJob } from './workflows';

const workflows = loadWorkflows();
const jobs = workflows.flatMap(({ file, workflow }) => Object.entries(workflow.jobs).map(([id, job]) => ({ where: `${file} jobs.${id}`, job })));
const steps = (job: WorkflowJob) => job.steps ?? [];

/** `uses: owner/repo[/path]@<40-hex SHA> # vX.Y.Z`: the SHA cannot move, the comment says what it is (Dependabot keeps both current). */
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/;
/** A workflow of this repository, pinned by the commit that calls it. */
const LOCAL = /^\.\/\.github\/workflows\/[\w.-]+\.ya?ml$/;

/** Every `uses:` line as written, comment included (the parsed YAML drops comments). */
const usesLines = workflows.flatMap(({ file, text }) =>
  text.split('\n').flatMap((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(.+?)\s*$/.exec(line);
    return match ? [{ where: `${file}:${index + 1}`, reference: match[1] }] : [];
  }),
);

/** Jobs that exchange a GitHub OIDC token: for an AWS role, or for npm trusted publishing. */
const assumesAwsRole = (job: WorkflowJob) => steps(job).some(usesAction('aws-actions/configure-aws-credentials'));
const publishesToNpm = (job: WorkflowJob) => steps(job).some((step) => runs('npm publish')(step) && (step.run ?? '').includes('--provenance'));
/** The one job that writes to the repository: it tags a published version and writes its GitHub release. */
const createsGithubRelease = (job: WorkflowJob) => steps(job).some(usesAction('softprops/action-gh-release'));

describe('.github/workflows hardening', () => {
  it('finds the workflows and every uses: line among them', () => {
    expect(workflows.map(({ file }) => file)).toEqual(expect.arrayContaining(['deploy.yml', 'release.yml', 'verify.yml']));
    const parsed = jobs.flatMap(({ job }) => [job.uses, ...steps(job).map((step) => step.uses)].filter(Boolean));
    expect(usesLines.length).toBe(parsed.length);
    expect(usesLines.length).toBeGreaterThan(10);
  });

  it('pins every action by full commit SHA with its version in a comment', () => {
    for (const { where, reference } of usesLines) {
      if (LOCAL.test(reference)) continue;
      expect(reference, where).toMatch(PINNED);
    }
  });

  it('pins each action version to one SHA everywhere', () => {
    const shaByVersion = new Map<string, Set<string>>();
    for (const { reference } of usesLines.filter(({ reference }) => PINNED.test(reference))) {
      const [, action, sha, version] = /^(.+)@(\w+) # (\S+)$/.exec(reference)!;
      const key = `${action} ${version}`;
      shaByVersion.set(key, (shaByVersion.get(key) ?? new Set()).add(sha));
    }
    for (const [key, shas] of shaByVersion) expect([...shas], key).toHaveLength(1);
  });

  it('never leaves the GitHub token in the workspace after a checkout', () => {
    const checkouts = jobs.flatMap(({ where, job }) => steps(job).filter(usesAction('actions/checkout')).map((step) => ({ where, step })));
    expect(checkouts.length).toBeGreaterThanOrEqual(4);
    for (const { where, step } of checkouts) expect(step.with?.['persist-credentials'], where).toBe(false);
  });

  it('grants nothing (or read-only) at the top and lets every job declare its own permissions', () => {
    for (const { file, workflow } of workflows) {
      expect(workflow.permissions, `${file} permissions`).toBeDefined();
      for (const [scope, level] of Object.entries(workflow.permissions ?? {})) expect(level, `${file} permissions.${scope}`).toMatch(/^(read|none)$/);
    }
    for (const { where, job } of jobs) expect(job.permissions, `${where} permissions`).toBeDefined();
  });

  it('writes nothing but an OIDC token (and the release tag), and asks for a token only where an AWS role is assumed or npm publishes with provenance', () => {
    const tokenJobs = jobs.filter(({ job }) => job.permissions?.['id-token'] === 'write');
    for (const { where, job } of jobs) {
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        if (scope === 'id-token') continue;
        const mayWrite = scope === 'contents' && createsGithubRelease(job);
        expect(level, `${where} permissions.${scope}`).toMatch(mayWrite ? /^write$/ : /^(read|none)$/);
      }
      const needsToken = assumesAwsRole(job) || publishesToNpm(job);
      expect(job.permissions?.['id-token'] === 'write', `${where}: id-token: write ${needsToken ? 'missing' : 'not needed'}`).toBe(needsToken);
    }
    // deploy.yml diff + deploy and loadtest.yml (AWS roles), release.yml publish (npm): the check is not vacuous.
    expect(tokenJobs.length).toBe(4);
    // The job that writes holds no OIDC token, and the one with the token cannot write.
    const writers = jobs.filter(({ job }) => Object.values(job.permissions ?? {}).includes('write') && job.permissions?.['id-token'] !== 'write');
    expect(writers.map(({ where }) => where)).toEqual(['release.yml jobs.github-release']);
  });
});

describe('.github/CODEOWNERS', () => {
  const owners = readFileSync(join(REPO_ROOT, '.github', 'CODEOWNERS'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/)[0]);

  // A pull request that edits these could switch off, for itself, the checks that stop a
  // breaking or tampered release and guard the production deploy.
  it.each([
    '/.github/',
    '/package.json',
    '/.npmrc',
    '/api-extractor.json',
    '/etc/',
    '/scripts/breaking-changes/',
    '/scripts/check-breaking-changes.ts',
    '/scripts/release/',
    '/scripts/pack-summary/',
    '/scripts/third-party/',
    '/test/constructs/logical-ids/',
  ])('asks the maintainers to review %s', (pattern) => {
    expect(owners).toContain(pattern);
  });
});
