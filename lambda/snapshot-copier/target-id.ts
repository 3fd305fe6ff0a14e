import { createHash } from 'node:crypto';

/** CopyDBClusterSnapshot: "Must contain from 1 to 63 letters, numbers, or hyphens." */
export const MAX_SNAPSHOT_IDENTIFIER_LENGTH = 63;
const HASH_LENGTH = 8;

/**
 * The identifier of the backup-region copy of a source snapshot. The same source always
 * yields the same target, which is what makes a repeated run a no-op: the second
 * CopyDBClusterSnapshot for it meets DBClusterSnapshotAlreadyExistsFault.
 *
 * `rds:app-db-2024-05-01-03-10` with prefix `bulwark-prod-copy` becomes
 * `bulwark-prod-copy-app-db-2024-05-01-03-10`. Identifiers that would pass 63 characters are
 * cut and end in a hash of the whole source id, so two long sources never collide.
 * RDS stores identifiers in lower case, so the result is lower case too.
 */
export function targetSnapshotIdentifier(copyPrefix: string, sourceSnapshotIdentifier: string): string {
  const body = sourceSnapshotIdentifier
    .toLowerCase()
    .replace(/^rds:/, '')
    .replace(/[^a-z0-9-]/g, '-');
  const full = collapseHyphens(`${copyPrefix}-${body}`);
  if (full.length <= MAX_SNAPSHOT_IDENTIFIER_LENGTH) return full;
  const hash = createHash('sha256').update(sourceSnapshotIdentifier).digest('hex').slice(0, HASH_LENGTH);
  const kept = collapseHyphens(full.slice(0, MAX_SNAPSHOT_IDENTIFIER_LENGTH - HASH_LENGTH - 1));
  return `${kept}-${hash}`;
}

/** Runs of hyphens become one, then a trailing one goes (at most one is left by then). */
function collapseHyphens(identifier: string): string {
  return identifier.replace(/-{2,}/g, '-').replace(/-$/, '');
}
