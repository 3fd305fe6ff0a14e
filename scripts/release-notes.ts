/**
 * Prints the CHANGELOG.md section of a version, the body of its GitHub release; fails when
 * there is none. release.yml's build job writes it beside the tarball before anything is
 * published:
 *
 *   npm run --silent release:notes -- 1.2.0 > notes.md
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { releaseNotes, ReleaseNotesError } from './release/notes';

const version = process.argv[2];
const changelog = path.join(__dirname, '..', 'CHANGELOG.md');
try {
  if (!version) throw new ReleaseNotesError('usage: npm run --silent release:notes -- VERSION');
  if (!existsSync(changelog)) throw new ReleaseNotesError(`there is no CHANGELOG.md yet: npm run release:version writes it from the changesets`);
  process.stdout.write(releaseNotes(readFileSync(changelog, 'utf8'), version));
} catch (error) {
  if (!(error instanceof ReleaseNotesError)) throw error;
  console.error(`::error title=release notes::${error.message}`);
  process.exitCode = 1;
}
