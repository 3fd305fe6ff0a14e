/**
 * Fails when HEAD breaks users of the package and nothing announces it as a major release:
 * an export or prop removed or renamed in etc/constructs.api.md, or a pinned logical ID,
 * replacement-sensitive property or retention policy changed in a construct's baseline.
 *
 *   npm run release:check-breaking                       against the merge base with origin/main;
 *                                                        a pending major changeset announces it
 *   npm run release:check-breaking -- --base REF         against another ref (verify.yml: the
 *                                                        pull request's base branch)
 *   npm run release:check-breaking -- --release          against the highest version on npm, at
 *                                                        the commit npm records for it (release.yml);
 *                                                        only a new major version in package.json
 *                                                        announces it (--registry URL: another registry)
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BreakingCheckError, breakingChangesAnnounced, checkBreakingChanges, describeBreakingCheck } from './breaking-changes/check';
import { latestRelease, npmView } from './breaking-changes/published';
import { checkRelease, describeReleaseCheck, releaseAnnouncesBreaks } from './breaking-changes/release';

const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (!value || value.startsWith('--')) throw new BreakingCheckError(`${name} needs a value`);
  return value;
};

try {
  if (args.includes('--release')) {
    const name = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
    const result = checkRelease(ROOT, latestRelease(name, npmView(option('--registry'))));
    console.log(describeReleaseCheck(result));
    process.exitCode = releaseAnnouncesBreaks(result) ? 0 : 1;
  } else {
    const base = option('--base') ?? 'origin/main';
    const result = checkBreakingChanges(ROOT, base);
    console.log(describeBreakingCheck(result, base));
    process.exitCode = breakingChangesAnnounced(result) ? 0 : 1;
  }
} catch (error) {
  if (!(error instanceof BreakingCheckError)) throw error;
  console.error(`breaking-changes: ${error.message}`);
  process.exitCode = 2;
}
