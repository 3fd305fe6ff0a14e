/**
 * app/src/db/audit-extension.ts branch by branch, on a scripted session (the real server
 * with pgaudit preloaded is audit-log.test.ts): nothing at all when the server does not
 * preload pgaudit, the object-audit role created NOLOGIN (quoted) only when pgaudit.role
 * names one that is missing, a concurrent creation (42710) tolerated and any other error
 * not, and the extension created only when it is not there yet.
 */
import { describe, expect, it } from 'vitest';
import type { Session } from '../../app/src/db/database';
import type { MigrationTarget } from '../../app/src/db/migrate';
import { freshModuleEachTest } from '../support/fresh-module';

// Loaded anew in each test, so the SQLSTATE constant (42710) is part of what the tests pin.
const auditExtension = freshModuleEachTest(() => import('../../app/src/db/audit-extension'));

interface Server {
  loaded: boolean;
  auditRole: string;
  roleExists: boolean;
  extensionExists: boolean;
  createRoleError?: unknown;
}

function scriptedTarget(server: Server) {
  const statements: string[] = [];
  const query = (async (sql: string, params?: readonly unknown[]) => {
    statements.push(params ? `${sql} ${JSON.stringify(params)}` : sql);
    switch (sql) {
      case "SELECT 1 FROM pg_settings WHERE name = 'pgaudit.log'":
        return server.loaded ? [{ '?column?': 1 }] : [];
      case "SELECT current_setting('pgaudit.role') AS role":
        return [{ role: server.auditRole }];
      case 'SELECT 1 FROM pg_roles WHERE rolname = $1':
        return server.roleExists ? [{ '?column?': 1 }] : [];
      case "SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'":
        return server.extensionExists ? [{ '?column?': 1 }] : [];
      default:
        if (sql.startsWith('CREATE ROLE') && server.createRoleError) throw server.createRoleError;
        return [];
    }
  }) as Session['query'];
  let sessions = 0;
  const target: MigrationTarget = {
    withSession: (work) => {
      sessions += 1;
      return work({ query, exec: async () => undefined });
    },
  };
  return { target, statements, sessions: () => sessions };
}

const LOADED = "SELECT 1 FROM pg_settings WHERE name = 'pgaudit.log'";
const ROLE_SETTING = "SELECT current_setting('pgaudit.role') AS role";
const EXTENSION = "SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'";

describe('ensureAuditExtension', () => {
  it('a server that does not preload pgaudit: "not loaded", and nothing else is asked or created', async () => {
    const { target, statements, sessions } = scriptedTarget({ loaded: false, auditRole: 'rds_pgaudit', roleExists: false, extensionExists: false });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('not loaded');
    expect(statements).toEqual([LOADED]);
    expect(sessions()).toBe(1);
  });

  it('creates the missing object-audit role NOLOGIN and the extension: "created"', async () => {
    const { target, statements } = scriptedTarget({ loaded: true, auditRole: 'rds_pgaudit', roleExists: false, extensionExists: false });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('created');
    expect(statements).toEqual([
      LOADED,
      ROLE_SETTING,
      'SELECT 1 FROM pg_roles WHERE rolname = $1 ["rds_pgaudit"]',
      'CREATE ROLE "rds_pgaudit" NOLOGIN',
      EXTENSION,
      'CREATE EXTENSION IF NOT EXISTS pgaudit',
    ]);
  });

  it('quotes the role pgaudit.role names', async () => {
    const { target, statements } = scriptedTarget({ loaded: true, auditRole: 'Audit "Role"', roleExists: false, extensionExists: true });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('present');
    expect(statements).toContain('CREATE ROLE "Audit ""Role""" NOLOGIN');
  });

  it('role and extension already there: "present", nothing created', async () => {
    const { target, statements } = scriptedTarget({ loaded: true, auditRole: 'rds_pgaudit', roleExists: true, extensionExists: true });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('present');
    expect(statements).toEqual([LOADED, ROLE_SETTING, 'SELECT 1 FROM pg_roles WHERE rolname = $1 ["rds_pgaudit"]', EXTENSION]);
  });

  it('no pgaudit.role set: no role is looked up or created', async () => {
    const { target, statements } = scriptedTarget({ loaded: true, auditRole: '', roleExists: false, extensionExists: false });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('created');
    expect(statements).toEqual([LOADED, ROLE_SETTING, EXTENSION, 'CREATE EXTENSION IF NOT EXISTS pgaudit']);
  });

  it('a role another step created in between (42710) is fine', async () => {
    const { target, statements } = scriptedTarget({
      loaded: true,
      auditRole: 'rds_pgaudit',
      roleExists: false,
      extensionExists: false,
      createRoleError: Object.assign(new Error('role "rds_pgaudit" already exists'), { code: '42710' }),
    });
    expect(await auditExtension().ensureAuditExtension(target)).toBe('created');
    expect(statements.at(-1)).toBe('CREATE EXTENSION IF NOT EXISTS pgaudit');
  });

  it('any other failure to create the role fails the step before the extension', async () => {
    const failure = Object.assign(new Error('permission denied to create role'), { code: '42501' });
    const { target, statements } = scriptedTarget({ loaded: true, auditRole: 'rds_pgaudit', roleExists: false, extensionExists: false, createRoleError: failure });
    await expect(auditExtension().ensureAuditExtension(target)).rejects.toBe(failure);
    expect(statements.at(-1)).toBe('CREATE ROLE "rds_pgaudit" NOLOGIN');
  });
});
