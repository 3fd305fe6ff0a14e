/**
 * A Secrets Manager rotation while the app runs, end to end: a real PostgreSQL that asks
 * for passwords (SCRAM) and moto's Secrets Manager over HTTP. The password changes in the
 * database and in the secret, the pool's connections are terminated, and the app must
 * answer again without a restart when DB_SECRET_ARN is set, and keep failing without it.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, testConfig } from '../../app/src/config';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../scripts/throwaway-postgres';
import { startMotoServer, type MotoServer } from '../support/moto-server';
import { expectProblem, register, startApp } from './support';

const RECOVERY_ATTEMPTS = 20;
const ATTEMPT_PAUSE_MS = 100;

let hbaDir: string;
let server: ThrowawayPostgres;
let admin: Pool;
let moto: MotoServer;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  // Trust for the superuser (test setup), passwords for every other role over TCP.
  hbaDir = mkdtempSync(join(tmpdir(), 'bulwark-hba-'));
  chmodSync(hbaDir, 0o755);
  const hbaFile = join(hbaDir, 'pg_hba.conf');
  const superuser = process.getuid?.() === 0 ? 'postgres' : (await import('node:os')).userInfo().username;
  writeFileSync(hbaFile, ['local all all trust', `host all ${superuser} 127.0.0.1/32 trust`, 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'), { mode: 0o644 });
  [server, moto] = await Promise.all([startThrowawayPostgres({ settings: { hba_file: hbaFile, password_encryption: 'scram-sha-256' } }), startMotoServer()]);
  admin = new Pool({ connectionString: server.url, max: 2 });
  admin.on('error', () => undefined);
  secretsManager = new SecretsManagerClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: moto.credentials });
  // The app's own client finds moto the way it would find a VPC endpoint override.
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', moto.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', moto.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', moto.credentials.secretAccessKey);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  secretsManager?.destroy();
  await admin?.end();
  await Promise.all([server?.stop(), moto?.stop()]);
  if (hbaDir) rmSync(hbaDir, { recursive: true, force: true });
});

interface Tenant {
  readonly role: string;
  readonly secretArn: string;
}

/** A login role owning its own database (so migrations can run), and its secret in moto. */
async function createTenant(role: string): Promise<Tenant> {
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'first-password'`);
  await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
  const secret = { engine: 'postgres', host: server.host, port: server.port, dbname: role, username: role, password: 'first-password' };
  const created = await secretsManager.send(new CreateSecretCommand({ Name: `${role}-credentials`, SecretString: JSON.stringify(secret) }));
  return { role, secretArn: created.ARN! };
}

/** What Secrets Manager's single-user rotation does, then the pool's sessions end (e.g. a failover). */
async function rotate(tenant: Tenant): Promise<void> {
  await admin.query(`ALTER ROLE ${tenant.role} PASSWORD 'second-password'`);
  await secretsManager.send(new PutSecretValueCommand({ SecretId: tenant.secretArn, SecretString: JSON.stringify({ username: tenant.role, password: 'second-password' }) }));
  const terminated = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [tenant.role]);
  expect(terminated.rowCount).toBeGreaterThan(0);
}

/** The app configured as ECS would: the secret's fields as DB_*, plus DB_SECRET_ARN when given. */
async function startTenantApp(tenant: Tenant, followSecret: boolean, logLines: string[]): Promise<FastifyInstance> {
  const { database } = loadConfig({
    DB_HOST: server.host,
    DB_PORT: String(server.port),
    DB_USERNAME: tenant.role,
    DB_PASSWORD: 'first-password',
    DB_NAME: tenant.role,
    DB_SSL: 'disable',
    DB_POOL_SIZE: '5',
    ...(followSecret && { DB_SECRET_ARN: tenant.secretArn }),
  });
  return startApp({
    config: testConfig({ database }),
    metricsSink: () => undefined,
    logger: { level: 'info', stream: { write: (line: string) => void logLines.push(line) } },
  });
}

/** Status codes of up to RECOVERY_ATTEMPTS calls, stopping at the first 200. */
async function callUntilOk(app: FastifyInstance, request: InjectOptions): Promise<LightMyRequestResponse[]> {
  const responses: LightMyRequestResponse[] = [];
  for (let attempt = 0; attempt < RECOVERY_ATTEMPTS; attempt++) {
    const response = await app.inject(request);
    responses.push(response);
    if (response.statusCode === 200) break;
    await new Promise((resolve) => setTimeout(resolve, ATTEMPT_PAUSE_MS));
  }
  return responses;
}

describe('database password rotation', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('with DB_SECRET_ARN: re-reads the secret after 28P01 and answers 200 again, readiness included, without a restart', async () => {
    const tenant = await createTenant('rotating_app');
    const logLines: string[] = [];
    app = await startTenantApp(tenant, true, logLines);
    const user = await register(app);
    const listNotes = { method: 'GET' as const, url: '/v1/notes', headers: user.auth };
    expect((await app.inject(listNotes)).statusCode).toBe(200);

    await rotate(tenant);

    const responses = await callUntilOk(app, listNotes);
    expect(responses.at(-1)!.statusCode, responses.map((r) => r.statusCode).join(',')).toBe(200);
    // Requests caught in the switch get the usual database-unavailable answer, nothing worse.
    for (const failed of responses.slice(0, -1)) expectProblem(failed, 503);
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/notes', headers: user.auth, payload: { title: 'after', body: 'rotation' } })).statusCode).toBe(201);

    const log = logLines.join('');
    expect(log).toContain('new password read from the secret');
    expect(log).not.toContain('second-password');
  });

  it('without DB_SECRET_ARN: the same rotation keeps failing (the outage this fixes)', async () => {
    const tenant = await createTenant('fixed_app');
    app = await startTenantApp(tenant, false, []);
    const user = await register(app);
    const listNotes = { method: 'GET' as const, url: '/v1/notes', headers: user.auth };
    expect((await app.inject(listNotes)).statusCode).toBe(200);

    await rotate(tenant);

    const responses = await callUntilOk(app, listNotes);
    expect(responses).toHaveLength(RECOVERY_ATTEMPTS);
    expect(responses.every((r) => r.statusCode >= 500)).toBe(true);
    expect((await app.inject('/readyz')).statusCode).toBe(503);
  });
});
