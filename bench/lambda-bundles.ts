/**
 * Bundles each Lambda as the library build does (lambda/bundles.ts) and prints the size of
 * the bundle and of each npm package inside it, largest first. `--json` prints the same as JSON.
 *
 *   npx tsx bench/lambda-bundles.ts
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { bundleOptions, LAMBDAS, type LambdaName } from '../lambda/bundles';
import { packageDirectoryOf, packageNameOf } from '../scripts/third-party/bundled-packages';

const ROOT = path.join(__dirname, '..');

export interface BundleSize {
  readonly lambda: string;
  readonly bytes: number;
  /** Bytes each npm package contributes to the minified bundle. */
  readonly packages: Record<string, number>;
}

function packageBytes(metafile: Metafile): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const directory = packageDirectoryOf(input);
      const name = directory === undefined ? '(project)' : packageNameOf(directory);
      totals[name] = (totals[name] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(totals).sort(([, a], [, b]) => b - a));
}

export async function bundleSize(lambda: LambdaName): Promise<BundleSize> {
  const outdir = mkdtempSync(path.join(tmpdir(), `bundle-${lambda}-`));
  try {
    const outfile = path.join(outdir, 'index.js');
    const result = await build({ ...bundleOptions(ROOT, lambda, outfile), metafile: true, logLevel: 'error' });
    return { lambda, bytes: statSync(outfile).size, packages: packageBytes(result.metafile) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = await Promise.all(LAMBDAS.map(bundleSize));
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(sizes, null, 2));
    return;
  }
  for (const { lambda, bytes, packages } of sizes) {
    console.log(`${lambda}: ${(bytes / 1024).toFixed(1)} KiB`);
    for (const [name, size] of Object.entries(packages)) console.log(`  ${name.padEnd(40)} ${(size / 1024).toFixed(1).padStart(8)} KiB`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
