/**
 * DELETE /v1/me states when an erased user is gone from every backup: the Service stack
 * passes the bound (lib/config/privacy.ts) as ERASURE_BACKUP_BOUND_DAYS, and the OpenAPI
 * document carries it. Without the variable (local runs, tests) the app still starts and says
 * the deployment states no bound.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/src/config';
import { pgliteBackend, startApp } from './support';

describe('ERASURE_BACKUP_BOUND_DAYS', () => {
  it('is read as a whole number of days, and is optional', () => {
    expect(loadConfig({ ERASURE_BACKUP_BOUND_DAYS: '62' }).erasureBackupBoundDays).toBe(62);
    expect(loadConfig({}).erasureBackupBoundDays).toBeUndefined();
    expect(() => loadConfig({ ERASURE_BACKUP_BOUND_DAYS: 'sixty' })).toThrow(ConfigError);
    expect(() => loadConfig({ ERASURE_BACKUP_BOUND_DAYS: '0' })).toThrow(/ERASURE_BACKUP_BOUND_DAYS must be between 1/);
  });
});

describe.each([
  [62, /gone from every backup and copy 62 days after erasure/],
  [undefined, /this deployment does not state its bound/],
])('DELETE /v1/me documentation with a bound of %s days', (bound, statement) => {
  const backend = pgliteBackend();
  let erase: { description: string; responses: Record<string, { description: string }> };

  beforeAll(async () => {
    await backend.start();
    const app = await startApp(backend.appOptions({ erasureBackupBoundDays: bound }));
    erase = (await app.inject('/openapi.json')).json().paths['/v1/me'].delete;
    await app.close();
  });
  afterAll(() => backend.stop());

  it('states the bound in the description and in the 204 response', () => {
    expect(erase.description).toMatch(statement);
    expect(erase.responses['204'].description).toMatch(statement);
    expect(erase.description).toMatch(/re-apply the erasures/);
  });
});
