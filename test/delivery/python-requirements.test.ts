import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workflows';

const read = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');

interface LockedRequirement {
  readonly name: string;
  readonly version: string;
  readonly hashes: string[];
}

/** The requirements of a hashed lock: `name==version [; marker] \` then `--hash=sha256:...` lines. */
function parseLock(text: string): LockedRequirement[] {
  const entries = text.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));
  return entries.map((line) => {
    const pin = /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)/.exec(line);
    expect(pin, `not pinned to one version: ${line.slice(0, 80)}`).not.toBeNull();
    return { name: pin![1].toLowerCase(), version: pin![2], hashes: [...line.matchAll(/--hash=sha256:([0-9a-f]{64})/g)].map((match) => match[1]) };
  });
}

/** The top-level pins of requirements-dev.in (`name[extras]==version`). */
const wanted = read('requirements-dev.in')
  .split('\n')
  .filter((line) => /^[A-Za-z0-9]/.test(line))
  .map((line) => /^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)$/.exec(line.trim())!);

describe('Python tools pinned with hashes', () => {
  const lock = parseLock(read('requirements-dev.txt'));

  it('pins every package of the lock, transitive ones included, to one version with the hashes of its files', () => {
    expect(lock.length).toBeGreaterThan(wanted.length);
    for (const requirement of lock) expect(requirement.hashes.length, `${requirement.name}==${requirement.version} has no --hash`).toBeGreaterThan(0);
  });

  it('locks the versions requirements-dev.in asks for', () => {
    expect(wanted.length).toBeGreaterThanOrEqual(5);
    for (const pin of wanted) {
      expect(pin, 'requirements-dev.in: one name==version per line').not.toBeNull();
      expect(lock.find((requirement) => requirement.name === pin[1].toLowerCase())?.version, pin[1]).toBe(pin[2]);
    }
  });

  it('installs with --require-hashes, so a package or file not in the lock fails the install', () => {
    expect(read('scripts/setup-python.sh')).toMatch(/^\.venv\/bin\/pip install .*--require-hashes -r requirements-dev\.txt$/m);
  });

  it('is made reproducibly: a hash-pinned uv, and the command the lock records', () => {
    const tool = parseLock(read('requirements-lock.txt'));
    expect(tool.map(({ name }) => name)).toEqual(['uv']);
    expect(tool[0].hashes.length).toBeGreaterThan(0);
    const script = read('scripts/lock-python.sh');
    expect(script).toMatch(/pip" install .*--require-hashes -r requirements-lock\.txt$/m);
    // The lock's header names the command that made it; the script runs that command.
    const recorded = /^#\s+(uv pip compile .*)$/m.exec(read('requirements-dev.txt'))?.[1];
    const run = /"\$tools\/bin\/uv" (pip compile .*)$/m.exec(script)?.[1];
    expect(recorded).toBeDefined();
    expect(`uv ${run!.replace(' --quiet', '').replace(' "$@"', '')}`).toBe(recorded);
    // Universal: one lock for the developers' Python and CI's, whatever their markers.
    expect(recorded).toContain('--universal');
  });
});
