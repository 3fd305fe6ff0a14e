/** A version that cannot be released with notes: CHANGELOG.md has no section for it. */
export class ReleaseNotesError extends Error {}

/**
 * The changelog section of `version`, as `changeset version` writes it into CHANGELOG.md
 * (`## 1.2.0` followed by `### Minor Changes` ... up to the next version's heading): the
 * body of the GitHub release.
 */
export function releaseNotes(changelog: string, version: string): string {
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === `## ${version}`);
  if (start < 0) {
    throw new ReleaseNotesError(`CHANGELOG.md has no section "## ${version}": release a version through a release pull request (npm run release:version), which writes it from the changesets`);
  }
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line));
  const notes = lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
  if (notes === '') throw new ReleaseNotesError(`CHANGELOG.md's section "## ${version}" is empty: the release would have no notes`);
  return `${notes}\n`;
}
