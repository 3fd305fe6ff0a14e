/**
 * `npm run build:loadtest`: the load generator as one self-contained esbuild bundle,
 * loadtest/dist/worker.js (autocannon, hdr-histogram-js and the S3 client inlined), and the
 * THIRD-PARTY-NOTICES.md of the packages inlined, which are all the image (loadtest/Dockerfile) ships.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeThirdPartyNotices } from '../scripts/third-party/write';

export const LOADTEST_DIST = join(__dirname, 'dist');

/**
 * Builds into `dist` and returns the bundle's path. Tests build into a directory of their
 * own: loadtest/ is the image's build context, which other test files package meanwhile.
 */
export async function buildLoadGenerator(dist = LOADTEST_DIST): Promise<string> {
  const bundle = join(dist, 'worker.js');
  rmSync(dist, { recursive: true, force: true });
  const { metafile } = await build({
    entryPoints: [join(__dirname, 'worker-main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    // Licence comments of the inlined sources go to worker.js.LEGAL.txt, folded into the notices.
    legalComments: 'external',
    metafile: true,
    absWorkingDir: join(__dirname, '..'),
    logLevel: 'warning',
  });
  writeThirdPartyNotices(metafile, { workingDir: join(__dirname, '..'), outputBase: dist, directory: dist, subject: 'The load generator bundle (worker.js)' });
  return bundle;
}

if (require.main === module) {
  buildLoadGenerator().then(
    (bundle) => console.log(`built ${bundle}`),
    (error: Error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
