/**
 * app/src/db/migrate.ts's defaultMigrationsDir where the file system is scripted (which
 * directories exist): the bundle's layout (migrations beside the code) wins over the
 * source tree's, and with neither the error names every place it looked, so a broken
 * image says where the migrations were expected. The source tree's real answer is pinned
 * in db-migrate.test.ts.
 */
import { resolve } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultMigrationsDir } from '../../app/src/db/migrate';

const existing = vi.hoisted(() => new Set<string>());
vi.mock('node:fs', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:fs')>()),
  existsSync: (path: string) => existing.has(path),
}));

// Where migrate.ts looks from app/src/db: beside itself (the bundle), then ../../migrations (the source tree).
const beside = resolve('app/src/db/migrations');
const sourceTree = resolve('app/migrations');

beforeEach(() => existing.clear());

describe('defaultMigrationsDir (file system scripted)', () => {
  it('with neither directory, fails naming both places, in the order they are tried', () => {
    expect(() => defaultMigrationsDir()).toThrow(new Error(`migrations directory not found (looked in ${beside}, ${sourceTree})`));
  });

  it('the directory beside the code (the bundle’s layout) comes first; the source tree’s otherwise', () => {
    existing.add(beside).add(sourceTree);
    expect(defaultMigrationsDir()).toBe(beside);
    existing.delete(beside);
    expect(defaultMigrationsDir()).toBe(sourceTree);
  });
});
