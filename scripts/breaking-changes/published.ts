import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import * as semver from 'semver';
import { BreakingCheckError } from './check';

/**
 * The release a new version is checked against: the highest version on npm (not whatever
 * the `latest` dist-tag points at, which an operator may have moved back), and the commit it
 * was built from, as its manifest records it (`gitHead`, which release.yml's build job
 * writes before packing). A commit npm holds cannot be moved the way a git tag can.
 */
export interface PublishedRelease {
  readonly version: string;
  readonly commit: string;
}

/** `npm view <spec> <field> --json`, parsed; undefined when the field is absent. Throws NotOnNpmError on E404. */
export type NpmView = (spec: string, field: string) => unknown;

export class NotOnNpmError extends Error {}

export const NPM_REGISTRY = 'https://registry.npmjs.org/';

/**
 * Asks the registry itself, from outside the checkout: a repository `.npmrc` (which a pull
 * request could add) must not change which registry or dist-tag is read.
 */
export function npmView(registry: string = NPM_REGISTRY): NpmView {
  return (spec, field) => {
    let output: string;
    try {
      output = execFileSync('npm', ['view', spec, field, '--json', '--registry', registry], { cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; message: string };
      const text = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
      if (/\bE404\b/.test(text)) throw new NotOnNpmError(`${spec} is not on ${registry}`);
      throw new BreakingCheckError(`npm view ${spec} ${field} failed: ${text.trim() || failure.message}`);
    }
    return output.trim() === '' ? undefined : JSON.parse(output);
  };
}

export function latestRelease(name: string, view: NpmView): PublishedRelease {
  let listed: unknown;
  try {
    listed = view(name, 'versions');
  } catch (error) {
    if (!(error instanceof NotOnNpmError)) throw error;
    // Trusted publishing cannot create a package: its first version is published by hand.
    throw new BreakingCheckError(`${name} is not on npm: publish its first version by hand, as docs/releasing.md ("One-time setup") describes`);
  }
  // One version comes back as a string, several as a list.
  const versions = (Array.isArray(listed) ? listed : [listed]).filter((version): version is string => typeof version === 'string' && semver.valid(version) !== null);
  const highest = semver.rsort([...versions])[0];
  if (!highest) throw new BreakingCheckError(`npm lists no version of ${name}`);
  const commit = view(`${name}@${highest}`, 'gitHead');
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) {
    throw new BreakingCheckError(
      `npm records no commit (gitHead) for ${name}@${highest}, so there is nothing to compare with: ` +
        'every version must be packed with its commit (release.yml does; docs/releasing.md for the first one)',
    );
  }
  return { version: highest, commit };
}
