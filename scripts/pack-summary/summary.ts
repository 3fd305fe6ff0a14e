import { NOTICES_FILE } from '../third-party/notices';

/** One tarball as `npm pack --dry-run --json` describes it (the fields we report). */
export interface PackReport {
  readonly name: string;
  readonly version: string;
  readonly filename: string;
  /** Bytes of the gzipped tarball. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>;
}

/** The manifest fields that name the files a consumer's `require`/`import` resolves to. */
export interface EntryPoints {
  readonly main?: string;
  readonly types?: string;
}

/** A tarball that cannot be published as it stands, e.g. built without `npm run build:lib`. */
export class PackCheckError extends Error {}

/**
 * Parses the output of `npm pack --dry-run --json` (an array with one report per package).
 * Exactly one tarball is expected: the release publishes one package.
 */
export function parsePackReport(json: string): PackReport {
  let reports: unknown;
  try {
    reports = JSON.parse(json);
  } catch (error) {
    throw new PackCheckError(`npm pack --dry-run --json printed no JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(reports) || reports.length !== 1) {
    throw new PackCheckError(`expected one package in the npm pack report, got ${Array.isArray(reports) ? reports.length : typeof reports}`);
  }
  const report = reports[0] as Partial<PackReport>;
  for (const field of ['name', 'version', 'filename', 'size', 'unpackedSize', 'files'] as const) {
    if (report[field] === undefined) throw new PackCheckError(`the npm pack report has no "${field}"`);
  }
  return report as PackReport;
}

/**
 * Fails when the tarball does not contain the files the manifest points consumers at: the
 * symptom of packing before the library was built, which npm itself does not catch.
 */
export function checkEntryPoints(report: PackReport, entryPoints: EntryPoints): void {
  const packed = new Set(report.files.map((file) => file.path));
  const missing = Object.entries(entryPoints)
    .filter(([, file]) => file !== undefined && !packed.has(file.replace(/^\.\//, '')))
    .map(([field, file]) => `${field} (${file})`);
  if (missing.length > 0) {
    throw new PackCheckError(`${report.filename} lacks ${missing.join(', ')}: run npm run build:lib before packing`);
  }
}

const LAMBDA_BUNDLES = 'dist/lambda-bundles';

/**
 * Fails when a Lambda the constructs deploy is missing from the tarball: BundledFunction
 * reads `dist/lambda-bundles/<name>/` from the installed package, and a consumer's synth
 * fails without it (the files list or the build dropped it). Each bundle carries the
 * licences of the third-party code inside it (THIRD-PARTY-NOTICES.md): Apache-2.0, MIT and
 * BSD allow redistributing that code only with them, so a tarball without them must not
 * be published.
 */
export function checkLambdaBundles(report: PackReport, lambdas: readonly string[]): void {
  const packed = new Set(report.files.map((file) => file.path));
  const missing = lambdas
    .flatMap((name) => ['index.js', 'index.js.map', NOTICES_FILE].map((file) => `${LAMBDA_BUNDLES}/${name}/${file}`))
    .filter((file) => !packed.has(file));
  if (missing.length > 0) throw new PackCheckError(`${report.filename} lacks the Lambda bundle files ${missing.join(', ')}: run npm run build:lib before packing`);
}

/**
 * Source maps ship only beside the pre-bundled Lambda code. Those are deployed with each
 * function, whose NODE_OPTIONS=--enable-source-maps (BundledFunction) turns a minified
 * bundle's stack trace in CloudWatch Logs into file:line of lambda/*.ts; esbuild writes them
 * without sources (sourcesContent: false). The library's own JavaScript is unminified tsc
 * output that reads well without a map (tsconfig.build.json emits none): a map there only
 * adds weight to every consumer's install.
 */
export const SOURCE_MAP_POLICY = { allowedUnder: `${LAMBDA_BUNDLES}/` } as const;

/** Fails when a source map outside the Lambda bundles would bloat the tarball. */
export function checkSourceMaps(report: PackReport): void {
  const stray = report.files.filter((file) => file.path.endsWith('.map') && !file.path.startsWith(SOURCE_MAP_POLICY.allowedUnder));
  if (stray.length > 0) {
    const bytes = stray.reduce((sum, file) => sum + file.size, 0);
    throw new PackCheckError(
      `${report.filename} ships ${stray.length} source maps outside ${LAMBDA_BUNDLES} (${kib(bytes)}, e.g. ${stray[0].path}): only the Lambda bundles keep their maps; build with tsconfig.build.json (sourceMap: false) from a clean dist/`,
    );
  }
}

/**
 * This repository's own deployment, compiled beside the library by tsconfig.build.json: the
 * stacks and the stage config (account IDs, hosted zones, CIDRs, the on-call address). No
 * construct imports them and `exports` hides them, so in the tarball they would only publish
 * the deployer's production details to the registry.
 */
export const DEPLOYMENT_ONLY = ['dist/lib/stacks/', 'dist/lib/config/'] as const;

/** Fails when the tarball carries this repository's stacks or stage config. */
export function checkNoDeploymentConfig(report: PackReport): void {
  const leaked = report.files.filter((file) => DEPLOYMENT_ONLY.some((prefix) => file.path.startsWith(prefix)));
  if (leaked.length > 0) {
    throw new PackCheckError(`${report.filename} ships ${leaked.length} files of this repository's own stacks or stage config (e.g. ${leaked[0].path}): exclude ${DEPLOYMENT_ONLY.join(' and ')} in package.json "files"`);
  }
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The job-summary Markdown: name, version, sizes, then every file with its size. */
export function renderPackSummary(report: PackReport): string {
  const rows = [...report.files]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((file) => `| \`${file.path}\` | ${file.size} |`);
  return [
    `## npm package: ${report.name}@${report.version}`,
    '',
    `${report.filename}: ${report.files.length} files, ${kib(report.size)} packed, ${kib(report.unpackedSize)} unpacked.`,
    '',
    '<details><summary>files in the tarball</summary>',
    '',
    '| file | bytes |',
    '| --- | ---: |',
    ...rows,
    '',
    '</details>',
    '',
  ].join('\n');
}
