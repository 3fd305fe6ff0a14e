/**
 * The runtime role's login, kept by the migration step. The deploy's migration task runs
 * as the schema owner and knows the runtime role's name and password (from the runtime
 * role's own Secrets Manager secret); it creates the role when it is missing and sets its
 * password every time, so a role and a secret that drifted apart (a restore from an older
 * snapshot, a rotation that failed half-way) are brought back together by the next deploy.
 *
 * The password never reaches the server in clear: PostgreSQL stores a SCRAM-SHA-256
 * verifier either way, and it accepts one computed here. The cluster's audit (pgaudit)
 * redacts what follows PASSWORD, but PostgreSQL itself logs the full text of a statement
 * that fails or runs slow, where a plain `PASSWORD '...'` would land in the log.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Session } from './database';
import { quoteIdentifier, type MigrationTarget } from './migrate';

export interface RuntimeLogin {
  readonly user: string;
  readonly password: string;
}

/** PostgreSQL's default scram_iterations. */
const SCRAM_ITERATIONS = 4096;
/** Printable ASCII: SASLprep leaves it unchanged, so the verifier matches what the client sends. */
const SCRAM_SAFE_PASSWORD = /^[\x20-\x7e]+$/;

/** The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, RFC 7677). */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!SCRAM_SAFE_PASSWORD.test(password)) throw new Error('the runtime password must be printable ASCII (SASLprep would change anything else)');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The verifier is base64, `$` and `:` only, but quote it as a literal all the same. */
function quoteLiteral(value: string): string {
  // Stryker disable next-line StringLiteral: only SCRAM verifiers are quoted here (base64, `$`, `:`), which never hold a quote to double
  const escaped = value.replace(/'/g, "''");
  return `'${escaped}'`;
}

const DUPLICATE_OBJECT = '42710';

/**
 * Creates the runtime role (LOGIN, and none of SUPERUSER, CREATEDB, CREATEROLE,
 * REPLICATION, BYPASSRLS: PostgreSQL's defaults) or sets its password. Refuses to touch
 * the role it runs as: that would hand the owner's login to the runtime secret.
 */
export async function ensureRuntimeLogin(target: MigrationTarget, login: RuntimeLogin): Promise<'created' | 'updated'> {
  const verifier = quoteLiteral(scramSha256Verifier(login.password));
  const role = quoteIdentifier(login.user);
  return target.withSession(async ({ query }: Session) => {
    const [{ current_user: migrator }] = await query<{ current_user: string }>('SELECT current_user');
    if (migrator === login.user) throw new Error(`the runtime role "${login.user}" is the role migrations run as: give the runtime its own role`);
    const exists = (await query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login.user])).length > 0;
    if (!exists) {
      try {
        await query(`CREATE ROLE ${role} LOGIN PASSWORD ${verifier}`);
        return 'created';
      } catch (error) {
        // Another migration step created it in between: set the password below.
        if ((error as { code?: string }).code !== DUPLICATE_OBJECT) throw error;
      }
    }
    await query(`ALTER ROLE ${role} LOGIN PASSWORD ${verifier}`);
    return 'updated';
  });
}
