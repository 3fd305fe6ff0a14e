/**
 * `npm run build:loadtest`: the load generator as one self-contained esbuild bundle,
 * loadtest/dist/worker.js (autocannon, hdr-histogram-js and the S3 client inlined), which
 * is all the image (loadtest/Dockerfile) ships.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

export const WORKER_BUNDLE = join(__dirname, 'dist', 'worker.js');

export async function buildLoadGenerator(): Promise<string> {
  rmSync(join(__dirname, 'dist'), { recursive: true, force: true });
  await build({
    entryPoints: [join(__dirname, 'worker-main.ts')],
    outfile: WORKER_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return WORKER_BUNDLE;
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
