import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './workflows';

interface Update {
  readonly 'package-ecosystem': string;
  readonly directory?: string;
  readonly directories?: string[];
  readonly schedule: { interval: string };
  readonly cooldown?: { 'default-days': number };
  readonly groups?: Record<string, { 'update-types'?: string[] }>;
}

const config = parse(readFileSync(join(REPO_ROOT, '.github', 'dependabot.yml'), 'utf8')) as { version: number; updates: Update[] };
/** Each ecosystem and the file in its directory that Dependabot reads. */
const MANIFESTS: Record<string, string> = {
  npm: 'package-lock.json',
  pip: 'requirements-dev.txt',
  docker: 'Dockerfile',
  'github-actions': '.github/workflows',
};

describe('.github/dependabot.yml', () => {
  it('keeps npm, pip, Docker and GitHub Actions current, each where its manifest lives', () => {
    expect(config.version).toBe(2);
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual(Object.keys(MANIFESTS).sort());
    for (const update of config.updates) {
      for (const directory of update.directories ?? [update.directory!]) {
        const manifest = join(REPO_ROOT, directory, MANIFESTS[update['package-ecosystem']]);
        expect(existsSync(manifest), `${update['package-ecosystem']}: ${manifest}`).toBe(true);
      }
    }
  });

  it('keeps every Dockerfile in the repository current (the app image and the load-test worker)', () => {
    expect(config.updates.find((update) => update['package-ecosystem'] === 'docker')?.directories).toEqual(['/app', '/loadtest']);
  });

  it('batches minor and patch updates weekly per ecosystem, after a week of cooldown', () => {
    for (const update of config.updates) {
      const ecosystem = update['package-ecosystem'];
      expect(update.schedule.interval, ecosystem).toBe('weekly');
      expect(Object.values(update.groups ?? {}).map((group) => group['update-types']), ecosystem).toEqual([['minor', 'patch']]);
      expect(update.cooldown?.['default-days'], ecosystem).toBeGreaterThanOrEqual(7);
    }
  });
});
