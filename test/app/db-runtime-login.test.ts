/**
 * app/src/db/runtime-login.ts: the SCRAM-SHA-256 verifier is byte for byte what PostgreSQL
 * itself stores for the same password, salt and iterations (a known answer from the
 * server, not from a second implementation), only printable ASCII is accepted; and
 * ensureRuntimeLogin against a real throwaway PostgreSQL that asks the runtime role for
 * its password: created with LOGIN and nothing else, its password set again on the next
 * run (the old one refused), the role migrating refused, and a role created concurrently
 * (42710) handled while any other error is not.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../app/src/db/database';
import type { MigrationTarget } from '../../app/src/db/migrate';
import { freshModuleEachTest } from '../support/fresh-module';
import { postgresBackend, until } from './support';

// Loaded anew in each test: the password pattern and the literal quoting are module-level
// constants, and part of what the tests pin.
const runtimeLogin = freshModuleEachTest(() => import('../../app/src/db/runtime-login'));

const PASSWORD_ROLES = ['rl_app', 'rl_known', 'Rl "Odd"', 'rl_probe'];

const backend = postgresBackend();
beforeAll(async () => {
  await backend.start();
  const hba = join(backend.server!.dataDir, 'pg_hba.conf');
  const lines = PASSWORD_ROLES.map((role) => `host all "${role.replace(/"/g, '""')}" 127.0.0.1/32 scram-sha-256`);
  writeFileSync(hba, `${lines.join('\n')}\n${readFileSync(hba, 'utf8')}`);
  await backend.query('SELECT pg_reload_conf()');
  // pg_reload_conf() only signals the server: wait until a wrong password is refused.
  await backend.query("CREATE ROLE rl_probe LOGIN PASSWORD 'probe'");
  await until(async () => (await login('rl_probe', 'wrong')) === '28P01', 'pg_hba.conf to require passwords', 10_000);
});
afterAll(() => backend.stop());

/** The superuser's sessions, as the migration step's owner connection would be. */
const ownerTarget = (): MigrationTarget => ({
  async withSession(work) {
    const client = new Client({ connectionString: backend.server!.url });
    await client.connect();
    try {
      const query: Session['query'] = async <Row>(sql: string, params: readonly unknown[] = []) =>
        (await client.query(sql, params.length ? (params as unknown[]) : undefined)).rows as Row[];
      return await work({ query, exec: async (sql) => void (await client.query(sql)) });
    } finally {
      await client.end();
    }
  },
});

/** Logs in as `user` with `password` over TCP (SCRAM); resolves to the error code, or 'ok'. */
async function login(user: string, password: string): Promise<string> {
  const client = new Client({ host: '127.0.0.1', port: backend.server!.port, database: backend.server!.database, user, password });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (error) {
    return String((error as { code?: string }).code);
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('scramSha256Verifier', () => {
  it('is exactly what PostgreSQL stores for the same password, salt and iteration count', async () => {
    for (const [role, password] of [['rl_known', 'correct horse battery staple'], ['rl_known', " !~'\"$\\"]] as const) {
      await backend.query(`DROP ROLE IF EXISTS ${role}`);
      await backend.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
      const [{ stored }] = await backend.query<{ stored: string }>('SELECT rolpassword AS stored FROM pg_authid WHERE rolname = $1', [role]);
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
      expect(runtimeLogin().scramSha256Verifier(password, Buffer.from(salt, 'base64'), Number(iterations))).toBe(stored);
      expect(iterations).toBe('4096');
    }
  });

  it('defaults to 4 096 iterations and a fresh 16-byte salt each time', () => {
    const pattern = /^SCRAM-SHA-256\$4096:([A-Za-z0-9+/]{22}==)\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/;
    const first = runtimeLogin().scramSha256Verifier('same password');
    const second = runtimeLogin().scramSha256Verifier('same password');
    expect(first).toMatch(pattern);
    expect(second).toMatch(pattern);
    expect(Buffer.from(pattern.exec(first)![1], 'base64')).toHaveLength(16);
    expect(first).not.toBe(second);
  });

  it('is deterministic for a given salt and iteration count, and depends on each', () => {
    const salt = Buffer.alloc(16, 7);
    const verifier = runtimeLogin().scramSha256Verifier('pw', salt, 2);
    expect(verifier.startsWith(`SCRAM-SHA-256$2:${salt.toString('base64')}$`)).toBe(true);
    expect(runtimeLogin().scramSha256Verifier('pw', salt, 2)).toBe(verifier);
    expect(runtimeLogin().scramSha256Verifier('pw', salt, 3)).not.toBe(verifier.replace('$2:', '$3:'));
    expect(runtimeLogin().scramSha256Verifier('pX', salt, 2)).not.toBe(verifier);
    const [storedKey, serverKey] = verifier.split('$')[2].split(':');
    expect(storedKey).not.toBe(serverKey);
  });

  it.each(['', 'é', 'tab\there', 'new\nline', '\x7f', '\x1f', 'パスワード'])('refuses %j (not printable ASCII)', (password) => {
    expect(() => runtimeLogin().scramSha256Verifier(password)).toThrow(new Error('the runtime password must be printable ASCII (SASLprep would change anything else)'));
  });

  it('accepts the printable ASCII boundaries, space and tilde', () => {
    expect(runtimeLogin().scramSha256Verifier(' ', Buffer.alloc(16), 1)).toMatch(/^SCRAM-SHA-256\$1:/);
    expect(runtimeLogin().scramSha256Verifier('~', Buffer.alloc(16), 1)).toMatch(/^SCRAM-SHA-256\$1:/);
  });
});

describe('ensureRuntimeLogin', () => {
  it('creates the role with LOGIN and no other attribute; the password logs in; the next run sets a new one', async () => {
    expect(await runtimeLogin().ensureRuntimeLogin(ownerTarget(), { user: 'rl_app', password: 'first-password' })).toBe('created');
    const [attributes] = await backend.query('SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit FROM pg_roles WHERE rolname = $1', ['rl_app']);
    expect(attributes).toEqual({ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolreplication: false, rolbypassrls: false, rolinherit: true });
    const [{ stored }] = await backend.query<{ stored: string }>('SELECT rolpassword AS stored FROM pg_authid WHERE rolname = $1', ['rl_app']);
    expect(stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(await login('rl_app', 'first-password')).toBe('ok');
    expect(await login('rl_app', 'wrong-password')).toBe('28P01');

    // A role that lost LOGIN gets it back with its new password.
    await backend.query('ALTER ROLE rl_app NOLOGIN');
    expect(await runtimeLogin().ensureRuntimeLogin(ownerTarget(), { user: 'rl_app', password: 'second-password' })).toBe('updated');
    expect(await login('rl_app', 'second-password')).toBe('ok');
    expect(await login('rl_app', 'first-password')).toBe('28P01');
  });

  it('quotes the role name', async () => {
    expect(await runtimeLogin().ensureRuntimeLogin(ownerTarget(), { user: 'Rl "Odd"', password: 'odd-password' })).toBe('created');
    expect(await backend.query('SELECT rolname FROM pg_roles WHERE rolname = $1', ['Rl "Odd"'])).toEqual([{ rolname: 'Rl "Odd"' }]);
    expect(await login('Rl "Odd"', 'odd-password')).toBe('ok');
  });

  it('refuses the role migrations run as, naming it, and changes nothing', async () => {
    const owner = backend.server!.user;
    const [before] = await backend.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [owner]);
    await expect(runtimeLogin().ensureRuntimeLogin(ownerTarget(), { user: owner, password: 'x' })).rejects.toThrow(
      new Error(`the runtime role "${owner}" is the role migrations run as: give the runtime its own role`),
    );
    expect(await backend.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [owner])).toEqual([before]);
  });

  it('refuses a non-ASCII password before connecting', async () => {
    let connected = false;
    const target: MigrationTarget = {
      withSession: async () => {
        connected = true;
        throw new Error('must not connect');
      },
    };
    await expect(runtimeLogin().ensureRuntimeLogin(target, { user: 'rl_x', password: 'pässword' })).rejects.toThrow(/printable ASCII/);
    expect(connected).toBe(false);
  });

  /** A session that answers the lookups (the role exists or not) and fails CREATE ROLE with `createError`. */
  function scripted(createError: unknown, exists = false) {
    const statements: string[] = [];
    const query = (async (sql: string, params?: readonly unknown[]) => {
      statements.push(params ? `${sql} ${JSON.stringify(params)}` : sql);
      if (sql === 'SELECT current_user') return [{ current_user: 'owner' }];
      if (sql.startsWith('SELECT 1 FROM pg_roles')) return exists ? [{ '?column?': 1 }] : [];
      if (sql.startsWith('CREATE ROLE')) throw createError;
      return [];
    }) as Session['query'];
    const target: MigrationTarget = { withSession: (work) => work({ query, exec: async () => undefined }) };
    return { target, statements };
  }

  it('a role another step created in between (42710): its password is set instead', async () => {
    const { target, statements } = scripted(Object.assign(new Error('role "app" already exists'), { code: '42710' }));
    expect(await runtimeLogin().ensureRuntimeLogin(target, { user: 'app', password: 'pw' })).toBe('updated');
    expect(statements.map((sql) => sql.replace(/'SCRAM-SHA-256\$[^']+'/, '<verifier>'))).toEqual([
      'SELECT current_user',
      'SELECT 1 FROM pg_roles WHERE rolname = $1 ["app"]',
      'CREATE ROLE "app" LOGIN PASSWORD <verifier>',
      'ALTER ROLE "app" LOGIN PASSWORD <verifier>',
    ]);
  });

  it('any other failure to create the role is the step’s error', async () => {
    const failure = Object.assign(new Error('permission denied to create role'), { code: '42501' });
    const { target, statements } = scripted(failure);
    await expect(runtimeLogin().ensureRuntimeLogin(target, { user: 'app', password: 'pw' })).rejects.toBe(failure);
    expect(statements.some((sql) => sql.startsWith('ALTER ROLE'))).toBe(false);
  });

  it('a role that exists gets its password set without a CREATE ROLE (no failed statement in the server log each deploy)', async () => {
    const { target, statements } = scripted(Object.assign(new Error('role "app" already exists'), { code: '42710' }), true);
    expect(await runtimeLogin().ensureRuntimeLogin(target, { user: 'app', password: 'pw' })).toBe('updated');
    expect(statements.map((sql) => sql.replace(/'SCRAM-SHA-256\$[^']+'/, '<verifier>'))).toEqual([
      'SELECT current_user',
      'SELECT 1 FROM pg_roles WHERE rolname = $1 ["app"]',
      'ALTER ROLE "app" LOGIN PASSWORD <verifier>',
    ]);
  });
});
