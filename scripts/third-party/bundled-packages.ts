/**
 * The third-party npm packages an esbuild build actually put into its output, read from
 * the build's metafile: every input under a `node_modules/` folder that contributed bytes to
 * an output file (a package tree-shaken to nothing, e.g. types only, ships nothing).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { checkLicence, LicencePolicyError } from './licence-policy';

/** One bundled package, as the notices and the SBOM describe it. */
export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The SPDX expression its package.json declares. */
  readonly license: string;
  /** The output files holding its code, relative to the build's output folder (`snapshot-copier/index.js`, `server.js`). */
  readonly shippedIn: readonly string[];
  /** Its package.json's author (`"Name <mail> (url)"`, or the object's name), when it names one. */
  readonly author?: string;
}

/** A bundled package with where it was read from, for its licence files. */
export interface BundledPackageSource extends BundledPackage {
  /** Absolute path of the package folder (the first one, when one version was bundled from two folders). */
  readonly directory: string;
}

const NODE_MODULES = 'node_modules/';

/**
 * The package folder an input of the metafile belongs to: the last `node_modules/` segment
 * wins (a nested copy is its own package), scoped names take two segments. Undefined for the
 * project's own sources.
 */
export function packageDirectoryOf(input: string): string | undefined {
  const normalized = input.replaceAll('\\', '/');
  const start = normalized.lastIndexOf(NODE_MODULES);
  if (start < 0) return undefined;
  const [first, second] = normalized.slice(start + NODE_MODULES.length).split('/');
  const name = first.startsWith('@') ? `${first}/${second}` : first;
  return normalized.slice(0, start + NODE_MODULES.length) + name;
}

/** The package name in a package folder path (`node_modules/@scope/name` → `@scope/name`). */
export function packageNameOf(directory: string): string {
  return directory.slice(directory.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  license?: unknown;
  licenses?: unknown;
  author?: unknown;
}

/**
 * The licence a manifest declares, as an SPDX expression. Besides the `license` string, the
 * deprecated forms `{ "type": "MIT" }` and `"licenses": [...]` are read; several legacy
 * entries are joined with AND, the reading under which every one must be allowed.
 */
function declaredLicence(manifest: Manifest): string | undefined {
  const typeOf = (entry: unknown): string | undefined => (typeof entry === 'string' ? entry : typeof (entry as { type?: unknown })?.type === 'string' ? (entry as { type: string }).type : undefined);
  const single = typeOf(manifest.license);
  if (single?.trim()) return single.trim();
  if (Array.isArray(manifest.licenses) && manifest.licenses.length > 0) {
    const types = manifest.licenses.map(typeOf);
    if (types.every((type) => type?.trim())) return types.length === 1 ? types[0] : types.map((type) => `(${type})`).join(' AND ');
  }
  return undefined;
}

function readPackage(directory: string, shippedIn: string[]): BundledPackageSource {
  const manifestPath = path.join(directory, 'package.json');
  if (!existsSync(manifestPath)) throw new LicencePolicyError(`${packageNameOf(directory)} is bundled from ${directory}, which has no package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  if (typeof manifest.name !== 'string' || typeof manifest.version !== 'string') {
    throw new LicencePolicyError(`${packageNameOf(directory)} is bundled from ${directory}, whose package.json has no name or version`);
  }
  const id = `${manifest.name}@${manifest.version}`;
  const license = declaredLicence(manifest);
  if (license === undefined) throw new LicencePolicyError(`${id} is bundled but its package.json declares no licence (${manifestPath}): its terms are unknown, so it cannot ship`);
  checkLicence(id, license);
  const author = typeof manifest.author === 'string' ? manifest.author : (manifest.author as { name?: unknown } | undefined)?.name;
  return { name: manifest.name, version: manifest.version, license, shippedIn: shippedIn.sort(), directory, ...(typeof author === 'string' && author.trim() !== '' && { author: author.trim() }) };
}

function byNameThenVersion(a: BundledPackage, b: BundledPackage): number {
  return a.name.localeCompare(b.name) || a.version.localeCompare(b.version, undefined, { numeric: true });
}

/**
 * One entry per name@version, with the output files of every list it appears in: two
 * nested copies of the same version, or the same package in several bundles.
 */
export function mergeBundledPackages<T extends BundledPackage>(lists: ReadonlyArray<readonly T[]>): T[] {
  const merged = new Map<string, T>();
  for (const entry of lists.flat()) {
    const key = `${entry.name}@${entry.version}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, shippedIn: [...new Set([...seen.shippedIn, ...entry.shippedIn])].sort() } : entry);
  }
  return [...merged.values()].sort(byNameThenVersion);
}

export interface MetafileLocation {
  /** The build's absWorkingDir: metafile paths are relative to it. */
  readonly workingDir: string;
  /** Output files are named relative to this folder in `shippedIn`. */
  readonly outputBase: string;
}

/**
 * The packages bundled by one build, sorted by name, each checked against the licence policy
 * (a missing or non-permissive licence throws a LicencePolicyError naming the package).
 */
export function bundledPackages(metafile: Metafile, { workingDir, outputBase }: MetafileLocation): BundledPackageSource[] {
  const outputsByDirectory = new Map<string, Set<string>>();
  for (const [output, { inputs }] of Object.entries(metafile.outputs)) {
    const outputName = path.relative(outputBase, path.resolve(workingDir, output)).replaceAll('\\', '/');
    for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
      const directory = packageDirectoryOf(input);
      if (directory === undefined || bytesInOutput === 0) continue;
      const outputs = outputsByDirectory.get(directory) ?? new Set<string>();
      outputsByDirectory.set(directory, outputs.add(outputName));
    }
  }
  const packages = [...outputsByDirectory].map(([directory, outputs]) => readPackage(path.resolve(workingDir, directory), [...outputs]));
  return mergeBundledPackages([packages]);
}

/** A licence, notice or copying file a package ships in its folder. */
export interface LicenceFile {
  readonly file: string;
  readonly text: string;
}

const LICENCE_FILE = /^(licen[cs]e|notice|copying|copyright)([-._].*)?$/i;
/** Code and data that only look like licence files (license-checker.js, licenses.json). */
const NOT_A_TEXT = /\.([cm]?[jt]s|json|map)$/i;

/** The package's LICENSE / LICENCE / NOTICE / COPYING files (any extension or suffix such as LICENSE-MIT), by name. */
export function licenceFiles(directory: string): LicenceFile[] {
  return readdirSync(directory)
    .filter((file) => LICENCE_FILE.test(file) && !NOT_A_TEXT.test(file) && statSync(path.join(directory, file)).isFile())
    .sort()
    .map((file) => ({ file, text: readFileSync(path.join(directory, file), 'utf8') }));
}
