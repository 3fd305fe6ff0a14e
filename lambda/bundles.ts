/**
 * How the Lambdas ship: each `lambda/<name>/handler.ts` is bundled by esbuild, once, when
 * the library is built (`npm run build:lambdas`, part of `build:lib`), into
 * `dist/lambda-bundles/<name>/index.js`. BundledFunction deploys that directory as it is,
 * so neither a team installing the package nor CI needs esbuild or Docker at synthesis,
 * and what the tests deploy is what ships.
 */
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The project's functions, by folder name under lambda/. */
export const LAMBDAS = ['snapshot-copier', 'ip-set-sync', 'migration-runner'] as const;
export type LambdaName = (typeof LAMBDAS)[number];

/** Where the bundles go, relative to the package root. */
export const BUNDLES_DIRECTORY = path.join('dist', 'lambda-bundles');

/**
 * The esbuild options of one function: the Node.js 24 runtime, minified with an external
 * source map, and no externals (the runtime's AWS SDK is not relied on: the bundle carries
 * the SDK version the tests exercised). The metafile names the packages bundled, for the
 * bundle's THIRD-PARTY-NOTICES.md (scripts/build-lambdas.ts).
 */
export function bundleOptions(root: string, name: LambdaName, outfile: string): BuildOptions {
  return {
    entryPoints: [path.join(root, 'lambda', name, 'handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    // The sources stay out of the map: it only has to turn stack traces into file:line.
    sourcesContent: false,
    // The licence comments of the bundled sources (e.g. bowser's copyright header) are kept,
    // but out of the minified code: esbuild extracts them to index.js.LEGAL.txt, which the
    // build folds into THIRD-PARTY-NOTICES.md beside the bundle ('none' would drop them,
    // 'inline'/'eof' would add them to the code every cold start loads).
    legalComments: 'external',
    metafile: true,
    absWorkingDir: root,
    logLevel: 'warning',
  };
}
