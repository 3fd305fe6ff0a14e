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
