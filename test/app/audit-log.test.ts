/**
 * The cluster's audit log against real PostgreSQL with pgaudit (Debian's
 * postgresql-15-pgaudit, which .ci/run installs), the server started with the Aurora
 * parameter group's own logging settings (SECURE_CLUSTER_PARAMETERS, less the rds.* ones
 * only Aurora knows): the migration step creates the extension; a password set the way
 * Secrets Manager's rotation functions set it never reaches the server log, while DDL is
 * audited with the object it touched. A control shows the old `log_statement=ddl` did leak.
 *
 * pgaudit 1.7 (PostgreSQL 15) logs a multi-statement query string whole with each of its
 * statements; pgaudit 17 (Aurora PostgreSQL 17) logs each statement's own text. Every
 * statement here is sent alone, as the rotation functions send theirs.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURE_CLUSTER_PARAMETERS } from '../../lib/constructs/aurora-database';
import { runMigrationStep } from '../../app/src/migrate-cli';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/throwaway-postgres';
import { until } from './support';

const RUNTIME = 'bulwark_app';
const DATABASE = 'audited';

const clusterLogging = Object.fromEntries(Object.entries(SECURE_CLUSTER_PARAMETERS).filter(([name]) => !name.startsWith('rds.')));

let server: ThrowawayPostgres;
beforeAll(async () => {
  server = await startThrowawayPostgres({ database: DATABASE, settings: clusterLogging });
});
afterAll(() => server?.stop());

/** What the migration task gets. The owner is the cluster's superuser here: on Aurora the master user, in rds_superuser, may create pgaudit. */
const stepEnv = (): Record<string, string> => ({
  DB_HOST: server.host,
  DB_PORT: String(server.port),
  DB_NAME: DATABASE,
  DB_SSL: 'disable',
  DB_USERNAME: RUNTIME,
  DB_PASSWORD: 'runtime-Password-1',
  DB_MIGRATION_USERNAME: server.user,
  DB_MIGRATION_PASSWORD: 'unused-under-trust',
  LOG_LEVEL: 'silent',
});

/** Runs each statement alone (one simple-protocol query each) as `user`, then disconnects. */
async function runAs(user: string, ...statements: string[]): Promise<void> {
  const client = new Client({ host: server.host, port: server.port, database: DATABASE, user });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Waits until the server log has a line matching `line` (log lines arrive through a pipe). */
async function logged(line: RegExp): Promise<string> {
  await until(async () => line.test(server.log()), `a log line matching ${line}`, 10_000);
  return server.log();
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const secret = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

describe('the migration step on a cluster that preloads pgaudit', () => {
  it('creates the extension and the object-audit role pgaudit.role names, once', async () => {
    expect(await runMigrationStep(stepEnv())).toMatchObject({ runtimeRole: RUNTIME, auditExtension: 'created', applied: [1, 2, 3] });
    const client = new Client({ connectionString: `postgres://${server.user}@${server.host}:${server.port}/${DATABASE}` });
    await client.connect();
    try {
      expect((await client.query("SELECT extname FROM pg_extension WHERE extname = 'pgaudit'")).rows).toEqual([{ extname: 'pgaudit' }]);
      expect((await client.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'rds_pgaudit'")).rows).toEqual([{ rolcanlogin: false }]);
    } finally {
      await client.end();
    }
    expect(await runMigrationStep(stepEnv())).toMatchObject({ auditExtension: 'present', applied: [] });
  });
});

describe('the migration step on a server that preloads pgaudit without pgaudit.role', () => {
  it('creates the extension and no object-audit role', async () => {
    const { 'pgaudit.role': _role, ...withoutRole } = clusterLogging;
    const bare = await startThrowawayPostgres({ database: DATABASE, settings: withoutRole });
    try {
      const env = { ...stepEnv(), DB_PORT: String(bare.port), DB_MIGRATION_USERNAME: bare.user };
      expect(await runMigrationStep(env)).toMatchObject({ auditExtension: 'created' });
      const client = new Client({ connectionString: bare.url });
      await client.connect();
      try {
        expect((await client.query("SELECT rolname FROM pg_roles WHERE rolname = 'rds_pgaudit'")).rows).toEqual([]);
      } finally {
        await client.end();
      }
    } finally {
      await bare.stop();
    }
  });
});

describe('the audit log (after the migration step)', () => {
  beforeAll(async () => {
    await runMigrationStep(stepEnv());
  });

  // What the rotation functions send once their client library has put the password in.
  const owner = (): string => server.user;
  it.each([
    ['single-user rotation of the runtime role, as that role', () => RUNTIME, (password: string) => `ALTER USER ${RUNTIME} WITH PASSWORD '${password}'`],
    ['single-user rotation of the master user, as that user', owner, (password: string) => `ALTER USER ${owner()} WITH PASSWORD '${password}'`],
    ['multi-user rotation creating the clone user', owner, (password: string) => `CREATE ROLE ${RUNTIME}_clone WITH LOGIN PASSWORD '${password}'`],
  ])('audits the %s with the password redacted, and logs it nowhere', async (_name, login, statementFor) => {
    const password = secret('rotated');
    const statement = statementFor(password);
    await runAs(login(), statement);
    const redacted = `${statement.slice(0, statement.indexOf('PASSWORD') + 'PASSWORD'.length)} <REDACTED>`;
    const log = await logged(new RegExp(`AUDIT: SESSION,\\d+,\\d+,ROLE,(ALTER|CREATE) ROLE,,,${escapeRegExp(redacted)},<not logged>`));
    expect(log).not.toContain(password);
  });

  it('keeps role statements, and so passwords, out of pg_stat_statements (track_utility off) while it tracks queries', async () => {
    await runAs(server.user, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const password = secret('tracked');
    await runAs(RUNTIME, `ALTER USER ${RUNTIME} WITH PASSWORD '${password}'`, 'SELECT 42 AS tracked_probe');
    const client = new Client({ host: server.host, port: server.port, database: DATABASE, user: server.user });
    await client.connect();
    try {
      const { rows } = await client.query<{ query: string }>('SELECT query FROM pg_stat_statements');
      expect(rows.some((row) => row.query.includes('tracked_probe'))).toBe(true);
      expect(rows.filter((row) => /password/i.test(row.query))).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('logs a failing ALTER USER ... PASSWORD (its role not there yet) as an error without its text', async () => {
    const password = secret('failed');
    await expect(runAs(server.user, `ALTER USER ${RUNTIME}_missing WITH PASSWORD '${password}'`)).rejects.toMatchObject({ code: '42704' });
    expect(await logged(new RegExp(`ERROR:  role "${RUNTIME}_missing" does not exist`))).not.toContain(password);
  });

  it('audits DDL with the object it touched (the extension\'s event triggers)', async () => {
    await runAs(server.user, 'CREATE TABLE audit_probe (id int)');
    await logged(/AUDIT: SESSION,\d+,\d+,DDL,CREATE TABLE,TABLE,public\.audit_probe,CREATE TABLE audit_probe \(id int\),<not logged>/);
  });

  it('control: PostgreSQL\'s own log_statement=ddl, the setting pgaudit replaced, writes the password in clear text', async () => {
    const password = secret('leaked');
    await runAs(server.user, "SET log_statement = 'ddl'", `ALTER USER ${RUNTIME} WITH PASSWORD '${password}'`);
    expect(await logged(new RegExp(`LOG:  statement: ALTER USER ${RUNTIME} WITH PASSWORD '${password}'`))).toContain(password);
  });
});
