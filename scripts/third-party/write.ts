/**
 * What a build of ours writes beside its bundles, from esbuild's metafile (shared by the
 * Lambda bundles, scripts/build-lambdas.ts, and the app's bundle, app/build.ts):
 *   THIRD-PARTY-NOTICES.md  the notices of the packages bundled (notices.ts), shipped with the code;
 *   bundled-packages.json   the same packages as data, which the SBOMs list (scripts/sbom.ts),
 *                           so an SBOM describes the exact build.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import { bundledPackages, licenceFiles, type BundledPackage, type MetafileLocation } from './bundled-packages';
import { NOTICES_FILE, renderNotices } from './notices';

export const BUNDLED_PACKAGES_FILE = 'bundled-packages.json';

export interface NoticesTarget extends MetafileLocation {
  /** The folder THIRD-PARTY-NOTICES.md is written to, beside the bundle it describes. */
  readonly directory: string;
  /** What the notices cover, as a sentence subject. */
  readonly subject: string;
}

/**
 * After an esbuild build with `metafile: true` and `legalComments: 'external'`: writes
 * THIRD-PARTY-NOTICES.md, with the licence comments esbuild extracted into `<output>.LEGAL.txt`
 * folded in (the .LEGAL.txt files are then removed, so a bundle ships exactly one notices
 * file), and returns the packages bundled. Throws a LicencePolicyError naming the package
 * when one declares no licence or a licence not allowed.
 */
export function writeThirdPartyNotices(metafile: Metafile, target: NoticesTarget): BundledPackage[] {
  const packages = bundledPackages(metafile, target);
  const legalFiles = Object.keys(metafile.outputs)
    .filter((output) => output.endsWith('.LEGAL.txt'))
    .map((output) => path.resolve(target.workingDir, output));
  const legalComments = legalFiles.map((file) => ({ file: path.relative(target.directory, file).replace(/\.LEGAL\.txt$/, ''), text: readFileSync(file, 'utf8') }));
  const notices = renderNotices({ subject: target.subject, packages: packages.map((pkg) => ({ ...pkg, files: licenceFiles(pkg.directory) })), legalComments });
  writeFileSync(path.join(target.directory, NOTICES_FILE), `${notices}\n`);
  for (const file of legalFiles) rmSync(file);
  return packages.map(({ name, version, license, shippedIn }) => ({ name, version, license, shippedIn }));
}

export function writeBundledPackages(file: string, packages: readonly BundledPackage[]): void {
  const content = { description: 'Third-party npm packages bundled into this build (from the esbuild metafile); the SBOM lists them.', packages };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
}

/** The packages a build recorded; fails clearly when the build has not run. */
export function readBundledPackages(file: string, build: string): BundledPackage[] {
  if (!existsSync(file)) throw new Error(`${file} is missing: run ${build} first (it records the packages it bundles)`);
  const { packages } = JSON.parse(readFileSync(file, 'utf8')) as { packages?: BundledPackage[] };
  const valid = Array.isArray(packages) && packages.every((pkg) => typeof pkg.name === 'string' && typeof pkg.version === 'string' && typeof pkg.license === 'string' && Array.isArray(pkg.shippedIn));
  if (!valid) throw new Error(`${file} does not list packages as ${build} writes them: rebuild`);
  return packages;
}
