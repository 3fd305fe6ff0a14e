/**
 * pgaudit's extension and its object-audit role, kept by the migration step
 * (migrate-cli.ts), which runs as the schema owner: on Aurora the master user, a member of
 * rds_superuser, which is what AWS requires to create pgaudit. The cluster preloads the
 * library and audits DDL and role changes from the moment it starts
 * (`SECURE_CLUSTER_PARAMETERS` in lib/constructs/aurora-database.ts); the extension adds
 * the event triggers that name each DDL statement's object (type and qualified name).
 *
 * A step that runs on every deploy rather than a versioned migration:
 * `shared_preload_libraries` is a static parameter, so a cluster that predates it loads
 * pgaudit only after its next reboot, and a migration run before that would be recorded
 * as applied without the extension and never run again. PGlite and a local PostgreSQL
 * without pgaudit preloaded have nothing to create.
 */
import type { Session } from './database';
import { quoteIdentifier, type MigrationTarget } from './migrate';

/** What the step found: created now, there already, or the server does not preload pgaudit. */
export type AuditExtensionState = 'created' | 'present' | 'not loaded';

const DUPLICATE_OBJECT = '42710';

/**
 * pgaudit defines its settings only in a server that preloads it: pg_settings lists no
 * placeholder for a `pgaudit.*` name set without the library. Unlike
 * `shared_preload_libraries`, pg_settings is readable by any role.
 */
async function pgauditLoaded(query: Session['query']): Promise<boolean> {
  return (await query("SELECT 1 FROM pg_settings WHERE name = 'pgaudit.log'")).length > 0;
}

/** The role `pgaudit.role` names (Aurora: rds_pgaudit, created by hand in AWS's setup), NOLOGIN. */
async function ensureObjectAuditRole(query: Session['query']): Promise<void> {
  const [{ role }] = await query<{ role: string }>("SELECT current_setting('pgaudit.role') AS role");
  if (!role || (await query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).length > 0) return;
  try {
    await query(`CREATE ROLE ${quoteIdentifier(role)} NOLOGIN`);
  } catch (error) {
    // Another migration step created it in between.
    if ((error as { code?: string }).code !== DUPLICATE_OBJECT) throw error;
  }
}

export async function ensureAuditExtension(target: MigrationTarget): Promise<AuditExtensionState> {
  return target.withSession(async ({ query }) => {
    if (!(await pgauditLoaded(query))) return 'not loaded';
    await ensureObjectAuditRole(query);
    if ((await query("SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'")).length > 0) return 'present';
    await query('CREATE EXTENSION IF NOT EXISTS pgaudit');
    return 'created';
  });
}
