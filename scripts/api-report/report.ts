import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConsoleMessageId, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

/** The command that rewrites the committed report; every failure message names it. */
export const UPDATE_COMMAND = 'npm run api:update';

export class ApiReportError extends Error {}

export interface ApiReportResult {
  /** The committed report (e.g. etc/constructs.api.md), relative to the project folder. */
  readonly reportPath: string;
  /** Whether `update` rewrote the committed report because the API changed. */
  readonly updated: boolean;
  /** Top-level declarations the package root exports (classes, interfaces, functions, ...). */
  readonly exportedDeclarations: number;
}

/**
 * Runs API Extractor with `configPath` (api-extractor.json) over the declarations
 * `npm run build:lib` wrote. Checking (the default) fails when the public API differs from
 * the committed report, with the diff and the command that updates it; `update` rewrites
 * the report instead. Any API Extractor error (a type in a public signature that is not
 * exported, a broken link, malformed TSDoc) fails either way.
 */
export function runApiReport(configPath: string, options: { update: boolean; log?: (line: string) => void }): ApiReportResult {
  const log = options.log ?? ((line: string) => console.log(line));
  const config = ExtractorConfig.loadFileAndPrepare(configPath);
  const reportPath = path.relative(config.projectFolder, config.reportFilePath);
  assertDeclarationsAreCurrent(config);

  const result = Extractor.invoke(config, {
    localBuild: options.update,
    messageCallback: (message) => {
      // API Extractor's own advice ("copy the file or do a local build") is replaced by ours.
      if (message.messageId === ConsoleMessageId.ApiReportNotCopied) message.handled = true;
      if (message.logLevel === ExtractorLogLevel.Verbose) message.handled = true;
    },
  });
  if (result.errorCount > 0) {
    throw new ApiReportError(`API Extractor reported ${result.errorCount} error(s) above: fix them in lib/ (api-extractor.json says why each message is an error), then run npm run build:lib again`);
  }
  if (result.apiReportChanged && !options.update) {
    log(reportDiff(config.reportFilePath, config.reportTempFilePath));
    throw new ApiReportError(
      `The public API of ${config.packageJson?.name ?? 'the package'} changed and ${reportPath} was not updated (the diff is above).\n` +
        `If the change is intended, run \`${UPDATE_COMMAND}\` and commit ${reportPath} together with a changeset (npx changeset):\n` +
        '  major for a removed or renamed export or prop, a narrowed prop type, or a default that replaces a resource;\n' +
        '  minor for an addition; see "API and logical-ID stability" in README.md.',
    );
  }
  return { reportPath, updated: result.apiReportChanged, exportedDeclarations: countExportedDeclarations(readFileSync(config.reportFilePath, 'utf8')) };
}

/** Counts the top-level `export` statements of an API report (its code block). */
export function countExportedDeclarations(report: string): number {
  return report.split('\n').filter((line) => /^export (declare )?(abstract )?(class|interface|function|const|let|type|enum|namespace) /.test(line)).length;
}

/**
 * The report is only as current as the declarations: a lib/ source edited after the last
 * `npm run build:lib` would check yesterday's API.
 */
function assertDeclarationsAreCurrent(config: ExtractorConfig): void {
  const entryPoint = config.mainEntryPointFilePath;
  if (!existsSync(entryPoint)) {
    throw new ApiReportError(`${path.relative(config.projectFolder, entryPoint)} does not exist: run npm run build:lib first`);
  }
  const builtAt = statSync(entryPoint).mtimeMs;
  const sourceFolder = path.join(config.projectFolder, 'lib');
  const newer = existsSync(sourceFolder) ? sourcesNewerThan(sourceFolder, builtAt) : [];
  if (newer.length > 0) {
    throw new ApiReportError(`${path.relative(config.projectFolder, newer[0])} changed after the last build: run npm run build:lib first`);
  }
}

function sourcesNewerThan(folder: string, time: number): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(folder, file))
    .filter((file) => statSync(file).mtimeMs > time);
}

function reportDiff(committed: string, current: string): string {
  if (!existsSync(committed)) return `(no committed report at ${committed})`;
  const diff = spawnSync('diff', ['-u', '--label', 'committed', '--label', 'current', committed, current], { encoding: 'utf8' });
  return diff.stdout || diff.stderr;
}
