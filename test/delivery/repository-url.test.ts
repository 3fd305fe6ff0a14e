import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubRepositoryOf, repositoryMismatch } from '../../scripts/release/check-repository-url';
import { REPO_ROOT } from './workflows';

const SCRIPT = join(REPO_ROOT, 'scripts', 'release', 'check-repository-url.js');
const withUrl = (url: string) => ({ name: '@bulwark-cdk/constructs', repository: { type: 'git', url } });

describe('package.json repository.url against the repository that publishes (npm provenance)', () => {
  it.each([
    'git+https://github.com/acme/bulwark.git',
    'https://github.com/acme/bulwark',
    'git://github.com/acme/bulwark.git',
    'git+ssh://git@github.com/acme/bulwark.git',
    'git@github.com:acme/bulwark.git',
    'github:acme/bulwark',
  ])('reads %s as acme/bulwark', (url) => {
    expect(githubRepositoryOf(withUrl(url))).toBe('acme/bulwark');
    expect(repositoryMismatch(withUrl(url), 'acme/bulwark')).toBeUndefined();
  });

  it('accepts the string shorthand npm expands', () => {
    expect(repositoryMismatch({ repository: 'acme/bulwark' }, 'acme/bulwark')).toBeUndefined();
  });

  it('rejects the placeholder of a fork, naming both repositories and the value to set', () => {
    expect(repositoryMismatch(withUrl('git+https://github.com/example-org/bulwark.git'), 'acme/bulwark')).toBe(
      'package.json repository.url is "git+https://github.com/example-org/bulwark.git" (example-org/bulwark), but this workflow runs in acme/bulwark: ' +
        'npm rejects a provenance statement whose repository does not match the one that built it. ' +
        'Set "repository": { "type": "git", "url": "git+https://github.com/acme/bulwark.git" } in package.json (README.md, "Releasing the library").',
    );
  });

  it('rejects a missing URL, another host, and a URL that differs only in letter case', () => {
    expect(repositoryMismatch({}, 'acme/bulwark')).toMatch(/^package\.json has no repository\.url, but this workflow runs in acme\/bulwark/);
    expect(repositoryMismatch(withUrl('https://gitlab.com/acme/bulwark.git'), 'acme/bulwark')).toMatch(/"https:\/\/gitlab\.com\/acme\/bulwark\.git", not a GitHub repository/);
    expect(repositoryMismatch(withUrl('https://github.com/Acme/Bulwark'), 'acme/bulwark')).toContain('(only the letter case differs, and npm compares it as written)');
  });

  it('fails the publish job early as a command: a GitHub error annotation and exit 1, or exit 0 when it matches', () => {
    const manifest = readFileSync(join(REPO_ROOT, 'package.json'), 'utf8');
    const named = githubRepositoryOf(JSON.parse(manifest) as { repository: { url: string } })!;
    const run = (repository: string, input = manifest) => spawnSync(process.execPath, [SCRIPT, repository], { input, encoding: 'utf8' });
    const ok = run(named);
    expect(ok.status).toBe(0);
    const fork = run('someone-else/bulwark');
    expect(fork.status).toBe(1);
    expect(fork.stderr).toMatch(/^::error title=package\.json repository\.url::package\.json repository\.url is .* but this workflow runs in someone-else\/bulwark/);
    expect(run(named, 'not json').status).toBe(2);
    expect(run('').status).toBe(2);
  });
});
