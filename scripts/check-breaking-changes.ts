/**
 * Fails when HEAD breaks users of the package against its merge base with a base ref and no
 * pending changeset makes the next release major (verify.yml runs it on every pull request):
 * an export or prop removed or renamed in etc/constructs.api.md, or a pinned logical ID,
 * replacement-sensitive property or retention policy changed in a construct's baseline.
 *
 *   npm run release:check-breaking                       against origin/main
 *   npm run release:check-breaking -- --base REF         against another ref
 */
import * as path from 'node:path';
import { BreakingCheckError, breakingChangesAnnounced, checkBreakingChanges, describeBreakingCheck } from './breaking-changes/check';

const args = process.argv.slice(2);
const baseIndex = args.indexOf('--base');
const base = baseIndex >= 0 ? args[baseIndex + 1] : 'origin/main';
try {
  if (!base) throw new BreakingCheckError('--base needs a ref (a branch, tag or commit)');
  const result = checkBreakingChanges(path.join(__dirname, '..'), base);
  console.log(describeBreakingCheck(result, base));
  process.exitCode = breakingChangesAnnounced(result) ? 0 : 1;
} catch (error) {
  if (!(error instanceof BreakingCheckError)) throw error;
  console.error(`breaking-changes: ${error.message}`);
  process.exitCode = 2;
}
