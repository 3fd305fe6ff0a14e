// npm run build:lambdas: bundles every Lambda into dist/lambda-bundles/<name>/ (see lambda/bundles.ts),
// each with the THIRD-PARTY-NOTICES.md of the packages inside it, and records the packages of
// all bundles in dist/lambda-bundles/bundled-packages.json for the library's SBOM.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { BUNDLES_DIRECTORY, bundleOptions, LAMBDAS } from '../lambda/bundles';
import { mergeBundledPackages } from './third-party/bundled-packages';
import { BUNDLED_PACKAGES_FILE, writeBundledPackages, writeThirdPartyNotices } from './third-party/write';

const ROOT = path.join(__dirname, '..');

export async function buildLambdas(): Promise<void> {
  const bundles = path.join(ROOT, BUNDLES_DIRECTORY);
  rmSync(bundles, { recursive: true, force: true });
  // Notices per bundle: each bundle folder is the code asset a function deploys, so the
  // notices travel with the code they describe, and list only what that bundle contains.
  const packages = await Promise.all(
    LAMBDAS.map(async (name) => {
      const directory = path.join(bundles, name);
      const { metafile } = await build(bundleOptions(ROOT, name, path.join(directory, 'index.js')));
      return writeThirdPartyNotices(metafile!, { workingDir: ROOT, outputBase: bundles, directory, subject: `The ${name} Lambda bundle (index.js)` });
    }),
  );
  writeBundledPackages(path.join(bundles, BUNDLED_PACKAGES_FILE), mergeBundledPackages(packages));
}

if (require.main === module) {
  buildLambdas().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
