import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_EXTERNALS } from '../../app/build';
import { lockedVersion, runtimeLockfile, type Lockfile } from '../../app/runtime-lockfile';

const ROOT = path.join(__dirname, '..', '..');
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
const manifest = {
  name: 'bulwark-app-runtime',
  version: '1.0.0',
  dependencies: Object.fromEntries(RUNTIME_EXTERNALS.map((name) => [name, lockedVersion(lock, 'app', name)])),
};

describe('the image\'s lockfile (app/dist/package-lock.json)', () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'bulwark-runtime-lock-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('installs with npm ci, from the repository\'s versions and hashes only, and the bundle\'s externals load', () => {
    const runtimeLock = runtimeLockfile(lock, 'app', manifest) as { packages: Record<string, { version?: string; integrity?: string; dev?: boolean }> };
    for (const [location, entry] of Object.entries(runtimeLock.packages)) {
      if (location === '') continue;
      expect(entry.dev, location).toBeUndefined();
      expect(entry.integrity, location).toBe(lock.packages[location]?.integrity ?? lock.packages[`app/${location}`]?.integrity);
    }
    writeFileSync(path.join(directory, 'package.json'), JSON.stringify(manifest));
    writeFileSync(path.join(directory, 'package-lock.json'), JSON.stringify(runtimeLock));
    // --offline: npm's cache holds what the repository install fetched; nothing else may be needed.
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: directory, stdio: 'pipe' });
    const loaded = execFileSync(process.execPath, ['-e', `for (const name of ${JSON.stringify(RUNTIME_EXTERNALS)}) require(name); console.log('ok')`], { cwd: directory, encoding: 'utf8' });
    expect(loaded.trim()).toBe('ok');
  });

  it('refuses an external the repository does not have', () => {
    expect(() => runtimeLockfile(lock, 'app', { ...manifest, dependencies: { 'no-such-package-here': '1.0.0' } })).toThrow(/no-such-package-here \(needed by app\) is not in package-lock.json/);
  });
});
