import * as semver from 'semver';
import { BreakingCheckError, type BreakingCheckResult, checkBreakingChanges, describeBreaks, gitIn } from './check';
import type { PublishedRelease } from './published';

/**
 * The release-time half of the breaking-change check (release.yml's build job, before
 * anything is built). The pull-request check trusts the pending changesets; by the time a
 * version is on main they have been consumed, and nothing stops a later pull request from
 * downgrading one, a direct push, or a hand-edited version. So the release compares what it
 * is about to publish with the latest release itself, at the commit npm records for it
 * (published.ts), and lets a break through only in a new major version.
 */
export interface ReleaseCheckResult {
  /** What breaks between the latest release's commit and HEAD. */
  readonly breaks: BreakingCheckResult;
  /** The highest version on npm and its commit, compared against. */
  readonly previous: PublishedRelease;
  /** The version package.json at HEAD would publish. */
  readonly version: string;
}

export function checkRelease(repo: string, previous: PublishedRelease): ReleaseCheckResult {
  const git = gitIn(repo);
  const version = (JSON.parse(git('show', 'HEAD:package.json')) as { version: string }).version;
  if (!semver.valid(version)) throw new BreakingCheckError(`package.json's version ${JSON.stringify(version)} is not a semantic version`);
  if (!semver.gt(version, previous.version)) {
    throw new BreakingCheckError(`package.json's version ${version} is not above ${previous.version}, the highest on npm: npm run release:version sets the next one from the changesets`);
  }
  try {
    git('merge-base', '--is-ancestor', previous.commit, 'HEAD');
  } catch {
    throw new BreakingCheckError(
      `${previous.commit}, the commit npm records for ${previous.version}, is not in the history of HEAD: fetch the whole history (fetch-depth: 0); a release is only ever built from main`,
    );
  }
  return { breaks: checkBreakingChanges(repo, previous.commit), previous, version };
}

/** Whether the version may be published: nothing breaks, or it is a new major version. */
export function releaseAnnouncesBreaks(result: ReleaseCheckResult): boolean {
  const { api, logicalIds } = result.breaks;
  return api.length + logicalIds.length === 0 || semver.major(result.version) > semver.major(result.previous.version);
}

/** The report printed by `npm run release:check-breaking -- --release`. */
export function describeReleaseCheck(result: ReleaseCheckResult): string {
  const { version, previous } = result;
  return describeBreaks(
    result.breaks,
    `${previous.version}, the highest version on npm`,
    releaseAnnouncesBreaks(result)
      ? `Published as ${version}, a new major version.`
      : `${version} is not a new major version of ${previous.version}, so users on ^${previous.version} would get these breaks in an ordinary upgrade. ` +
          'Add a major changeset and cut the release again (npm run release:version), or revert the break.',
  );
}
