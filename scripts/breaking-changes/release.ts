import { execFileSync } from 'node:child_process';
import * as semver from 'semver';
import { BreakingCheckError, type BreakingCheckResult, checkBreakingChanges, describeBreaks } from './check';

/**
 * The release-time half of the breaking-change check (release.yml's build job, before
 * anything is packed). The pull-request check trusts the pending changesets; by the time a
 * version is on main they have been consumed, and nothing stops a later pull request from
 * downgrading one, a direct push, or a hand-edited version. So the release compares what it
 * is about to publish with the latest release itself (its tag, `NAME@VERSION`, written by the
 * github-release job), and lets a break through only in a new major version.
 */
export interface ReleaseCheckResult {
  /** What breaks between the latest release's tag and HEAD. */
  readonly breaks: BreakingCheckResult;
  /** The tag of the latest release, compared against. */
  readonly tag: string;
  /** The latest version on npm, and the version package.json at HEAD would publish. */
  readonly previous: string;
  readonly version: string;
}

export function checkRelease(repo: string, previous: string): ReleaseCheckResult {
  if (!semver.valid(previous)) throw new BreakingCheckError(`the latest release ${JSON.stringify(previous)} is not a semantic version`);
  const manifest = JSON.parse(execFileSync('git', ['show', 'HEAD:package.json'], { cwd: repo, encoding: 'utf8' })) as { name: string; version: string };
  const version = manifest.version;
  if (!semver.valid(version)) throw new BreakingCheckError(`package.json's version ${JSON.stringify(version)} is not a semantic version`);
  if (!semver.gt(version, previous)) {
    throw new BreakingCheckError(`package.json's version ${version} is not above the latest release ${previous}: npm run release:version sets the next one from the changesets`);
  }
  const tag = `${manifest.name}@${previous}`;
  try {
    execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], { cwd: repo, stdio: 'ignore' });
  } catch {
    throw new BreakingCheckError(
      `the latest release's tag ${tag} is not in this clone: fetch the tags (fetch-depth: 0), or, when that release's github-release job failed, re-run it to create the tag`,
    );
  }
  return { breaks: checkBreakingChanges(repo, tag), tag, previous, version };
}

/** Whether the version may be published: nothing breaks, or it is a new major version. */
export function releaseAnnouncesBreaks(result: ReleaseCheckResult): boolean {
  const { api, logicalIds } = result.breaks;
  return api.length + logicalIds.length === 0 || semver.major(result.version) > semver.major(result.previous);
}

/** The report printed by `npm run release:check-breaking -- --release VERSION`. */
export function describeReleaseCheck(result: ReleaseCheckResult): string {
  return describeBreaks(
    result.breaks,
    `the latest release ${result.tag}`,
    releaseAnnouncesBreaks(result)
      ? `Published as ${result.version}, a new major version.`
      : `${result.version} is not a new major version of ${result.previous}, so users on ^${result.previous} would get these breaks in an ordinary upgrade. ` +
          'Add a major changeset and cut the release again (npm run release:version), or revert the break.',
  );
}
