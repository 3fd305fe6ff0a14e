/**
 * The settings issue 11 added: migration credentials, the notes cap, the cursor key, TLS.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config';

const DB_FIELDS = { DB_HOST: 'db.example', DB_USERNAME: 'app', DB_PASSWORD: 'pw', DB_SSL: 'disable' };

describe('migration credentials', () => {
  it('default to the runtime credentials, with a 10 s lock timeout', () => {
    const database = loadConfig(DB_FIELDS).database as { migration?: unknown; migrationLockTimeoutMs: number };
    expect(database.migration).toBeUndefined();
    expect(database.migrationLockTimeoutMs).toBe(10_000);
  });

  it('DB_MIGRATION_USERNAME/PASSWORD go with DB_HOST, MIGRATION_DATABASE_URL with DATABASE_URL', () => {
    expect(loadConfig({ ...DB_FIELDS, DB_MIGRATION_USERNAME: 'owner', DB_MIGRATION_PASSWORD: 'secret', MIGRATION_LOCK_TIMEOUT_MS: '2000' }).database).toMatchObject({
      user: 'app',
      migration: { user: 'owner', password: 'secret' },
      migrationLockTimeoutMs: 2000,
    });
    expect(loadConfig({ DATABASE_URL: 'postgres://app@h/db', MIGRATION_DATABASE_URL: 'postgres://owner@h/db', DB_SSL: 'disable' }).database).toMatchObject({
      migration: { connectionString: 'postgres://owner@h/db' },
    });
  });

  it('refuses half a pair or the wrong combination, naming the variables', () => {
    expect(() => loadConfig({ ...DB_FIELDS, DB_MIGRATION_USERNAME: 'owner' })).toThrow(/DB_MIGRATION_USERNAME and DB_MIGRATION_PASSWORD must be set together/);
    expect(() => loadConfig({ ...DB_FIELDS, MIGRATION_DATABASE_URL: 'postgres://owner@h/db' })).toThrow(/MIGRATION_DATABASE_URL goes with DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://app@h/db', DB_MIGRATION_USERNAME: 'o', DB_MIGRATION_PASSWORD: 'p' })).toThrow(/go with DB_HOST/);
  });
});

describe('bounded cost', () => {
  it('defaults: 10,000 notes per user, 100,000 tracked rate-limit clients, 2 exports at once, no cursor key (one is generated per process)', () => {
    expect(loadConfig({})).toMatchObject({ notesPerUserMax: 10_000, rateLimitTrackedClients: 100_000, exportConcurrency: 2, cursorKey: undefined });
    expect(loadConfig({ EXPORT_CONCURRENCY: '5' }).exportConcurrency).toBe(5);
  });

  it('EXPORT_CONCURRENCY stays below DB_POOL_SIZE, so exports never hold every pooled connection', () => {
    expect(loadConfig({ ...DB_FIELDS, DB_POOL_SIZE: '3', EXPORT_CONCURRENCY: '2' }).exportConcurrency).toBe(2);
    expect(() => loadConfig({ ...DB_FIELDS, DB_POOL_SIZE: '2', EXPORT_CONCURRENCY: '2' })).toThrow(/EXPORT_CONCURRENCY \(2\) must be below DB_POOL_SIZE \(2\)/);
    expect(() => loadConfig({ ...DB_FIELDS, DB_POOL_SIZE: '1' })).toThrow(/EXPORT_CONCURRENCY/);
  });

  it('EXPORT_DEADLINE_MS: 5 minutes by default, 1 s to 1 h', () => {
    expect(loadConfig({}).exportDeadlineMs).toBe(300_000);
    expect(loadConfig({ EXPORT_DEADLINE_MS: '60000' }).exportDeadlineMs).toBe(60_000);
    expect(() => loadConfig({ EXPORT_DEADLINE_MS: '999' })).toThrow(/EXPORT_DEADLINE_MS must be between 1000 and 3600000/);
    expect(() => loadConfig({ EXPORT_DEADLINE_MS: '3600001' })).toThrow(/EXPORT_DEADLINE_MS/);
  });

  it('NOTES_PER_USER_MAX and RATE_LIMIT_TRACKED_CLIENTS are read and bounded', () => {
    expect(loadConfig({ NOTES_PER_USER_MAX: '50', RATE_LIMIT_TRACKED_CLIENTS: '250000' })).toMatchObject({ notesPerUserMax: 50, rateLimitTrackedClients: 250_000 });
    expect(() => loadConfig({ NOTES_PER_USER_MAX: '0' })).toThrow(/NOTES_PER_USER_MAX/);
    expect(() => loadConfig({ RATE_LIMIT_TRACKED_CLIENTS: '10' })).toThrow(/RATE_LIMIT_TRACKED_CLIENTS/);
  });

  it('CURSOR_KEY is 32 bytes as hex or base64, anything else is refused', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ CURSOR_KEY: key.toString('hex') }).cursorKey).toEqual(key);
    expect(loadConfig({ CURSOR_KEY: key.toString('base64') }).cursorKey).toEqual(key);
    expect(() => loadConfig({ CURSOR_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/CURSOR_KEY must be 32 bytes/);
    expect(() => loadConfig({ CURSOR_KEY: 'not base64 at all!' })).toThrow(/CURSOR_KEY/);
  });
});
