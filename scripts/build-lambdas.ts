// npm run build:lambdas: bundles every Lambda into dist/lambda-bundles/<name>/ (see lambda/bundles.ts).
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import { BUNDLES_DIRECTORY, bundleOptions, LAMBDAS } from '../lambda/bundles';

const ROOT = path.join(__dirname, '..');

export async function buildLambdas(): Promise<void> {
  rmSync(path.join(ROOT, BUNDLES_DIRECTORY), { recursive: true, force: true });
  await Promise.all(LAMBDAS.map((name) => build(bundleOptions(ROOT, name, path.join(ROOT, BUNDLES_DIRECTORY, name, 'index.js')))));
}

if (require.main === module) {
  buildLambdas().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
