/**
 * CycloneDX SBOMs of what the builds ship, read from what each build recorded, so an SBOM
 * describes the exact build:
 *   - sbom/library.cdx.json  the construct library package, type library: the third-party
 *                            packages inlined into its Lambda bundles
 *                            (dist/lambda-bundles/bundled-packages.json, from `npm run build:lib`).
 *                            The package has no runtime dependencies (its peers are the consumer's).
 *   - sbom/app.cdx.json      the app's image, type application: the packages inlined into
 *                            server.js and migrate.js (app/dist/bundled-packages.json) and the
 *                            ones the image installs beside them from app/dist/package-lock.json
 *                            (both from `npm run build:app`).
 * `npm sbom` describes a lockfile instead: for the library nothing (everything is bundled),
 * for the app packages the image never gets (PGlite) and not the bundle's exact versions.
 * Usage: `npm run build:lambdas && npm run build:app && npm run sbom [-- OUTPUT_DIR]`.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { BUNDLES_DIRECTORY } from '../lambda/bundles';
import { packageNameOf, type BundledPackage } from './third-party/bundled-packages';
import { BUNDLED_PACKAGES_FILE, readBundledPackages } from './third-party/write';

const ROOT = path.join(__dirname, '..');

/** What one SBOM covers (paths relative to the repository root, or absolute). */
export interface SbomTarget {
  readonly file: string;
  readonly packageJson: string;
  readonly type: 'application' | 'library';
  /** The build command that writes the files below, named when they are missing. */
  readonly build: string;
  /** The build's bundled-packages.json. */
  readonly bundledPackages: string;
  /** The lockfile of the packages installed beside the bundles, if the artefact has any. */
  readonly installedLockfile?: string;
}

export const SBOM_TARGETS: readonly SbomTarget[] = [
  {
    file: 'app.cdx.json',
    packageJson: 'app/package.json',
    type: 'application',
    build: 'npm run build:app',
    bundledPackages: path.join('app', 'dist', BUNDLED_PACKAGES_FILE),
    installedLockfile: path.join('app', 'dist', 'package-lock.json'),
  },
  { file: 'library.cdx.json', packageJson: 'package.json', type: 'library', build: 'npm run build:lambdas', bundledPackages: path.join(BUNDLES_DIRECTORY, BUNDLED_PACKAGES_FILE) },
];

interface Property {
  readonly name: string;
  readonly value: string;
}

export interface Component {
  readonly 'bom-ref': string;
  readonly type: 'library' | 'application';
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly licenses: ReadonlyArray<{ license: { id: string } } | { expression: string }>;
  readonly hashes?: ReadonlyArray<{ alg: 'SHA-512'; content: string }>;
  readonly properties?: readonly Property[];
  readonly description?: string;
}

export interface CycloneDx {
  readonly $schema: string;
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: string;
  readonly serialNumber: string;
  readonly version: number;
  readonly metadata: { timestamp: string; tools: { components: ReadonlyArray<{ type: 'application'; name: string }> }; component: Component };
  readonly components: readonly Component[];
  readonly dependencies: ReadonlyArray<{ ref: string; dependsOn: readonly string[] }>;
}

/** The package URL of an npm package: the scope's @ is percent-encoded (purl spec, as npm sbom writes it). */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.split('/').map(encodeURIComponent).join('/')}@${encodeURIComponent(version)}`;
}

/** A single SPDX id as a license id, anything else (`MIT OR Apache-2.0`) as an expression. */
function licenses(licence: string): Component['licenses'] {
  return /^[A-Za-z0-9.+-]+$/.test(licence) ? [{ license: { id: licence } }] : [{ expression: licence }];
}

function component(name: string, version: string, licence: string | undefined, extra: Partial<Component>): Component {
  const purl = npmPurl(name, version);
  return { 'bom-ref': purl, type: 'library', name, version, purl, licenses: licence ? licenses(licence) : [], ...extra };
}

/** Inlined into a bundle: where, as one property per output file. */
export function bundledComponent(pkg: BundledPackage): Component {
  return component(pkg.name, pkg.version, pkg.license, { properties: pkg.shippedIn.map((output) => ({ name: 'bulwark:bundled-in', value: output })) });
}

interface LockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly license?: string;
  readonly integrity?: string;
}

/** Installed by `npm ci` from the artefact's lockfile: with the sha512 npm verifies it against. */
export function installedComponents(lockfile: { packages: Record<string, LockEntry> }): Component[] {
  return Object.entries(lockfile.packages)
    .filter(([location]) => location !== '')
    .map(([location, entry]) => {
      if (!entry.version) throw new Error(`${location} in the installed lockfile has no version: rebuild it (npm run build:app)`);
      const integrity = /^sha512-(.+)$/.exec(entry.integrity ?? '');
      return component(entry.name ?? packageNameOf(location), entry.version, entry.license, {
        properties: [{ name: 'bulwark:installed-at', value: location }],
        ...(integrity ? { hashes: [{ alg: 'SHA-512', content: Buffer.from(integrity[1], 'base64').toString('hex') }] } : {}),
      });
    });
}

/** One component per purl (a package both inlined and installed keeps both places), sorted. */
function mergeComponents(components: readonly Component[]): Component[] {
  const byRef = new Map<string, Component>();
  for (const next of components) {
    const seen = byRef.get(next['bom-ref']);
    byRef.set(next['bom-ref'], seen ? { ...seen, hashes: seen.hashes ?? next.hashes, properties: [...(seen.properties ?? []), ...(next.properties ?? [])] } : next);
  }
  return [...byRef.values()].sort((a, b) => a['bom-ref'].localeCompare(b['bom-ref']));
}

export function generateSbom(target: SbomTarget): CycloneDx {
  const resolve = (file: string) => path.resolve(ROOT, file);
  const manifest = JSON.parse(readFileSync(resolve(target.packageJson), 'utf8')) as { name: string; version: string; description?: string; license?: string };
  const bundled = readBundledPackages(resolve(target.bundledPackages), target.build).map(bundledComponent);
  const installed = target.installedLockfile ? installedComponents(JSON.parse(readFileSync(resolve(target.installedLockfile), 'utf8'))) : [];
  const components = mergeComponents([...bundled, ...installed]);
  const root = component(manifest.name, manifest.version, manifest.license, { type: target.type, description: manifest.description });
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: { timestamp: new Date().toISOString(), tools: { components: [{ type: 'application', name: 'bulwark scripts/sbom.ts' }] }, component: root },
    components,
    // What ships inside the artefact, flat: bundled code keeps no dependency graph.
    dependencies: [{ ref: root['bom-ref'], dependsOn: components.map((c) => c['bom-ref']) }],
  };
}

if (require.main === module) {
  try {
    const outputDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'sbom'));
    mkdirSync(outputDir, { recursive: true });
    for (const target of SBOM_TARGETS) {
      const bom = generateSbom(target);
      writeFileSync(path.join(outputDir, target.file), `${JSON.stringify(bom, null, 2)}\n`);
      console.log(`${target.file}: ${bom.metadata.component.name}@${bom.metadata.component.version}, ${bom.components.length} components`);
    }
  } catch (error) {
    console.error(`sbom: ${(error as Error).message}`);
    process.exit(1);
  }
}
