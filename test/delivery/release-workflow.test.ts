import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkflow, loadWorkflows, REPO_ROOT, runs, usesAction, type WorkflowJob, type WorkflowStep } from './workflows';

const workflow = loadWorkflow('release.yml');
const { verify, build, smoke, publish } = workflow.jobs;
const githubRelease = workflow.jobs['github-release'];
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string>; devDependencies: Record<string, string> };
const verifyNode = loadWorkflow('verify.yml').env?.NODE_VERSION;

function stepsOf(job: WorkflowJob): WorkflowStep[] {
  return job.steps ?? [];
}

function indexIn(job: WorkflowJob, predicate: (step: WorkflowStep) => boolean, what: string): number {
  const index = stepsOf(job).findIndex(predicate);
  expect(index, `${what} missing`).toBeGreaterThanOrEqual(0);
  return index;
}

const stepIn = (job: WorkflowJob, predicate: (step: WorkflowStep) => boolean, what: string) => stepsOf(job)[indexIn(job, predicate, what)];
const uploadsPackage = (step: WorkflowStep) => usesAction('actions/upload-artifact')(step) && step.with?.name === '${{ env.ARTIFACT }}';
const downloadsPackage = (step: WorkflowStep) => usesAction('actions/download-artifact')(step) && step.with?.name === '${{ env.ARTIFACT }}';

describe('.github/workflows/release.yml', () => {
  it('runs on pushes to main only', () => {
    expect(Object.keys(workflow.on)).toEqual(['push']);
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(build.if).toBe("github.ref == 'refs/heads/main'");
  });

  it('builds only after the same verification gate the deploy runs has passed, publishes only what the build packed', () => {
    expect(verify.uses).toBe(loadWorkflow('deploy.yml').jobs.verify.uses);
    expect(build.needs).toBe('verify');
    expect(smoke.needs).toBe('build');
    expect(publish.needs).toEqual(['build', 'smoke']);
    expect(publish.if).toBe("needs.build.outputs.publish == 'true'");
  });

  it('builds and packs without an OIDC token, on the Node version the gate tested, with no dependency cache', () => {
    expect(build.permissions).toEqual({ contents: 'read' });
    expect(workflow.env?.NODE_VERSION).toBe(verifyNode);
    const setupNode = stepIn(build, usesAction('actions/setup-node'), 'setup-node in build');
    expect(setupNode.with?.['node-version']).toBe('${{ env.NODE_VERSION }}');
    expect(setupNode.with?.['package-manager-cache']).toBe(false);
    expect(setupNode.with?.cache).toBeUndefined();
  });

  it('installs without running any dependency install script where the published tarball is built', () => {
    const install = stepIn(build, runs('npm ci'), 'npm ci in build');
    expect(install.run?.trim()).toBe('npm ci --ignore-scripts --no-audit --no-fund');
    expect(stepsOf(build).filter((step) => /\bnpm (ci|install)\b/.test(step.run ?? ''))).toEqual([install]);
  });

  it('builds the library, packs it once, checks and reports the tarball, fingerprints it and uploads it with its notes', () => {
    const notes = indexIn(build, (step) => step.id === 'version', 'release notes in the version decision');
    const buildLib = indexIn(build, runs('npm run build:lib'), 'npm run build:lib');
    const pack = stepIn(build, (step) => step.id === 'pack', 'pack step');
    const packRun = pack.run ?? '';
    expect(packRun).toContain('set -o pipefail');
    expect(packRun).toContain('npm pack --ignore-scripts --json --pack-destination "$RUNNER_TEMP/package" > "$RUNNER_TEMP/pack.json"');
    // The manifest records the commit, which the next release's breaking-change check compares with.
    expect(packRun.indexOf('npm pkg set gitHead="$GITHUB_SHA"')).toBeGreaterThan(-1);
    expect(packRun.indexOf('npm pkg set gitHead="$GITHUB_SHA"')).toBeLessThan(packRun.indexOf('npm pack'));
    expect(packRun).toContain('npm run --silent release:summary < "$RUNNER_TEMP/pack.json" >> "$GITHUB_STEP_SUMMARY"');
    expect(packRun).toMatch(/echo "sha256=\$\(sha256sum "\$RUNNER_TEMP\/package\/\$tarball"/);
    expect(stepsOf(build).indexOf(pack)).toBeGreaterThan(buildLib);
    expect(buildLib).toBeGreaterThan(notes);
    const upload = indexIn(build, uploadsPackage, 'upload of the package artifact');
    expect(upload).toBeGreaterThan(stepsOf(build).indexOf(pack));
    expect(stepsOf(build)[upload].with).toMatchObject({ path: '${{ runner.temp }}/package/', 'if-no-files-found': 'error' });
    expect(build.outputs).toEqual({
      publish: '${{ steps.version.outputs.publish }}',
      tag: '${{ steps.version.outputs.tag }}',
      'dist-tag': '${{ steps.version.outputs.dist-tag }}',
      'notes-sha256': '${{ steps.version.outputs.notes-sha256 }}',
      tarball: '${{ steps.pack.outputs.tarball }}',
      sha256: '${{ steps.pack.outputs.sha256 }}',
    });
    expect(manifest.scripts['release:summary']).toBe('tsx scripts/pack-summary.ts');
    expect(manifest.scripts['release:notes']).toBe('tsx scripts/release-notes.ts');
  });

  it('decides once whether the version is a new release: skips a private package, a version already on npm, and one without a CHANGELOG.md section', () => {
    const decide = stepIn(build, (step) => step.id === 'version', 'version decision');
    expect(decide.run).toContain('npm view "$name@$version"');
    expect(decide.run).toContain('.private === true');
    expect(decide.run).toContain('echo "tag=$name@$version"');
    // Until a release pull request writes the changelog, pushes to main publish nothing and stay green.
    expect(decide.run).toContain('elif ! npm run --silent release:notes -- "$version" > "$RUNNER_TEMP/package/release-notes.md" 2> "$RUNNER_TEMP/release-notes.err"; then');
    expect(decide.run?.indexOf('release:notes')).toBeGreaterThan(decide.run?.indexOf('npm view "$name@$version"') ?? Infinity);
    for (const step of stepsOf(build).slice(stepsOf(build).indexOf(decide) + 1)) expect(step.if, step.name).toBe("steps.version.outputs.publish == 'true'");
  });

  it('publishes a break since the highest version on npm only as a new major version, compared at the commit npm records for it', () => {
    const check = stepIn(build, runs('npm run release:check-breaking'), 'release-time breaking-change check');
    expect(check.run?.trim()).toBe('npm run release:check-breaking -- --release');
    expect(check.if).toBe("steps.version.outputs.publish == 'true'");
    expect(stepsOf(build).indexOf(check)).toBeLessThan(indexIn(build, runs('npm run build:lib'), 'npm run build:lib'));
    // That commit is in the checkout only with the whole history.
    expect(stepIn(build, usesAction('actions/checkout'), 'checkout in build').with).toEqual({ 'persist-credentials': false, 'fetch-depth': 0 });
  });

  it('publishes a pre-release under the next dist-tag, never as latest', () => {
    const decide = stepIn(build, (step) => step.id === 'version', 'version decision');
    expect(decide.run).toContain('case "$version" in *-*) echo "dist-tag=next" ;; *) echo "dist-tag=latest" ;; esac >> "$GITHUB_OUTPUT"');
    const release = stepIn(githubRelease, usesAction('softprops/action-gh-release'), 'GitHub release');
    expect(release.with).toMatchObject({ prerelease: "${{ needs.build.outputs.dist-tag == 'next' }}", make_latest: "${{ needs.build.outputs.dist-tag == 'latest' }}" });
  });

  it('runs the consumer smoke test on exactly the tarball it publishes, in a job with neither the build nor a token', () => {
    expect(smoke.if).toBe("needs.build.outputs.publish == 'true'");
    expect(smoke.permissions).toEqual({ contents: 'read' });
    const download = indexIn(smoke, downloadsPackage, 'download of the package artifact in smoke');
    const digest = indexIn(smoke, runs('echo "$SHA256  $RUNNER_TEMP/package/$TARBALL" | sha256sum --check --strict'), 'digest check in smoke');
    const run = stepIn(smoke, runs('bash scripts/consumer-smoke.sh'), 'consumer smoke');
    expect(run.run?.trim()).toBe('bash scripts/consumer-smoke.sh "$RUNNER_TEMP/package/$TARBALL"');
    expect(run.env).toEqual({ TARBALL: '${{ needs.build.outputs.tarball }}' });
    expect(download).toBeLessThan(digest);
    expect(digest).toBeLessThan(stepsOf(smoke).indexOf(run));
    expect(stepIn(smoke, runs('npm ci'), 'npm ci in smoke').run?.trim()).toBe('npm ci --ignore-scripts --no-audit --no-fund');
  });

  it('publishes exactly the packed tarball with provenance through trusted publishing: an OIDC token, no npm token, no install, no build', () => {
    expect(publish.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(publish.environment).toBe('npm');
    expect(publish.concurrency).toEqual({ group: 'release-npm', 'cancel-in-progress': false });
    const download = indexIn(publish, downloadsPackage, 'download of the package artifact');
    const verifyDigest = indexIn(publish, runs('echo "$SHA256  $RUNNER_TEMP/package/$TARBALL" | sha256sum --check --strict'), 'digest check');
    expect(stepsOf(publish)[verifyDigest].env).toEqual({ TARBALL: '${{ needs.build.outputs.tarball }}', SHA256: '${{ needs.build.outputs.sha256 }}' });
    const publishStep = stepIn(publish, runs('npm publish'), 'npm publish');
    // Registry and dist-tag on the command line, above any .npmrc or publishConfig; outside the checkout.
    expect(publishStep.run?.trim()).toBe('npm publish "$RUNNER_TEMP/package/$TARBALL" --provenance --access public --tag "$DIST_TAG" --registry https://registry.npmjs.org/');
    expect(publishStep.env).toEqual({ TARBALL: '${{ needs.build.outputs.tarball }}', DIST_TAG: '${{ needs.build.outputs.dist-tag }}' });
    expect(publishStep['working-directory']).toBe('${{ runner.temp }}');
    expect(verifyDigest).toBeGreaterThan(download);
    expect(stepsOf(publish).indexOf(publishStep)).toBeGreaterThan(verifyDigest);
    for (const command of ['npm ci', 'npm install', 'npm run', 'npx']) expect(stepsOf(publish).some(runs(command)), command).toBe(false);
    for (const { file, text } of loadWorkflows()) expect(text, file).not.toMatch(/NPM_TOKEN|NODE_AUTH_TOKEN|secrets\./);
    // Trusted publishing needs npm >= 11.5.1: Node 24's npm, checked before anything is published.
    const setupNode = stepIn(publish, usesAction('actions/setup-node'), 'setup-node in publish');
    expect(setupNode.with?.['node-version']).toBe('24');
    expect(setupNode.with?.['package-manager-cache']).toBe(false);
    expect(stepsOf(publish).some(usesAction('actions/cache'))).toBe(false);
    expect(indexIn(publish, (step) => (step.run ?? '').includes('11.5.1'), 'npm version check')).toBeLessThan(stepsOf(publish).indexOf(publishStep));
  });

  it('fails the publish early when package.json repository.url does not name this repository', () => {
    const check = indexIn(publish, (step) => (step.run ?? '').includes('node scripts/release/check-repository-url.js "$GITHUB_REPOSITORY"'), 'repository.url check');
    // The manifest inside the tarball: the one npm will compare with the provenance.
    expect(stepsOf(publish)[check].run).toContain('tar -xzOf "$RUNNER_TEMP/package/$TARBALL" package/package.json |');
    expect(stepsOf(publish)[check].run).toContain('set -o pipefail');
    expect(check).toBeLessThan(indexIn(publish, runs('npm publish'), 'npm publish'));
    const checkout = stepIn(publish, usesAction('actions/checkout'), 'checkout of scripts/release');
    expect(checkout.with).toEqual({ 'persist-credentials': false, 'sparse-checkout': 'scripts/release' });
  });

  it('tags the published commit and writes the GitHub release from the changelog, with contents: write on that job only', () => {
    expect(githubRelease.needs).toEqual(['build', 'publish']);
    expect(githubRelease.permissions).toEqual({ contents: 'write' });
    for (const [id, job] of Object.entries(workflow.jobs)) if (id !== 'github-release') expect(job.permissions?.contents, id).not.toBe('write');
    const download = indexIn(githubRelease, downloadsPackage, 'download of the notes');
    const release = stepIn(githubRelease, usesAction('softprops/action-gh-release'), 'GitHub release');
    expect(release.with).toMatchObject({
      tag_name: '${{ needs.build.outputs.tag }}',
      target_commitish: '${{ github.sha }}',
      name: '${{ needs.build.outputs.tag }}',
      body_path: '${{ runner.temp }}/package/release-notes.md',
    });
    // The notes posted are the ones the build job wrote, not a re-upload.
    const notesDigest = indexIn(githubRelease, runs('echo "$NOTES_SHA256  $RUNNER_TEMP/package/release-notes.md" | sha256sum --check --strict'), 'notes digest check');
    expect(stepsOf(githubRelease)[notesDigest].env).toEqual({ NOTES_SHA256: '${{ needs.build.outputs.notes-sha256 }}' });
    expect(notesDigest).toBeGreaterThan(download);
    expect(stepsOf(githubRelease).indexOf(release)).toBeGreaterThan(notesDigest);
    // It runs no code of the repository while it may write to it: no checkout, no other command.
    expect(stepsOf(githubRelease).filter((step) => step.run !== undefined)).toHaveLength(1);
    expect(stepsOf(githubRelease).some(usesAction('actions/checkout'))).toBe(false);
  });
});

describe('changesets', () => {
  const changesetDir = join(REPO_ROOT, '.changeset');
  const config = JSON.parse(readFileSync(join(changesetDir, 'config.json'), 'utf8')) as Record<string, unknown>;

  it('versions from main and publishes publicly', () => {
    expect(config.baseBranch).toBe('main');
    expect(config.access).toBe('public');
    expect(manifest.devDependencies['@changesets/cli']).toBeDefined();
    // package-lock.json carries the version too: the release pull request updates both.
    expect(manifest.scripts['release:version']).toBe('changeset version && npm install --package-lock-only --ignore-scripts --no-audit --no-fund');
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
