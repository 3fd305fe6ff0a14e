import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleOptions, LAMBDAS } from '../../lambda/bundles';
import { checkEntryPoints, checkLambdaBundles, checkNoDeploymentConfig, checkSourceMaps, PackCheckError, parsePackReport, renderPackSummary, SOURCE_MAP_POLICY, type PackReport } from '../../scripts/pack-summary/summary';
import { REPO_ROOT } from './workflows';

const report: PackReport = {
  name: 'bulwark',
  version: '1.2.0',
  filename: 'bulwark-1.2.0.tgz',
  size: 2048,
  unpackedSize: 10_240,
  files: [
    { path: 'package.json', size: 900 },
    { path: 'dist/lib/index.js', size: 4000 },
    { path: 'dist/lib/index.d.ts', size: 1200 },
  ],
};

describe('pack summary', () => {
  it('reads the single package of npm pack --dry-run --json', () => {
    expect(parsePackReport(JSON.stringify([{ ...report, shasum: 'x' }]))).toMatchObject(report);
  });

  it('rejects output that is not one package report, naming what is wrong', () => {
    expect(() => parsePackReport('npm notice')).toThrow(PackCheckError);
    expect(() => parsePackReport('[]')).toThrow('expected one package in the npm pack report, got 0');
    expect(() => parsePackReport(JSON.stringify([report, report]))).toThrow('got 2');
    const { files: _files, ...withoutFiles } = report;
    expect(() => parsePackReport(JSON.stringify([withoutFiles]))).toThrow('the npm pack report has no "files"');
  });

  it('accepts a tarball holding the manifest entry points, with or without a leading ./', () => {
    expect(() => checkEntryPoints(report, { main: 'dist/lib/index.js', types: './dist/lib/index.d.ts' })).not.toThrow();
  });

  it('fails a tarball packed before the library was built', () => {
    const unbuilt = { ...report, files: [{ path: 'package.json', size: 900 }] };
    expect(() => checkEntryPoints(unbuilt, { main: 'dist/lib/index.js', types: 'dist/lib/index.d.ts' })).toThrow(
      'bulwark-1.2.0.tgz lacks main (dist/lib/index.js), types (dist/lib/index.d.ts): run npm run build:lib before packing',
    );
  });

  it('reports name, version, file count, sizes and every file, sorted', () => {
    const markdown = renderPackSummary(report);
    expect(markdown).toContain('## npm package: bulwark@1.2.0');
    expect(markdown).toContain('bulwark-1.2.0.tgz: 3 files, 2.0 KiB packed, 10.0 KiB unpacked.');
    const rows = markdown.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toEqual(['| `dist/lib/index.d.ts` | 1200 |', '| `dist/lib/index.js` | 4000 |', '| `package.json` | 900 |']);
  });
});

describe('what the tarball carries', () => {
  const withFiles = (...files: Array<[string, number]>): PackReport => ({ ...report, files: [...report.files, ...files.map(([path, size]) => ({ path, size }))] });
  const bundles = (...names: string[]) =>
    names.flatMap((name): Array<[string, number]> => [
      [`dist/lambda-bundles/${name}/index.js`, 800_000],
      [`dist/lambda-bundles/${name}/index.js.map`, 1_200_000],
      [`dist/lambda-bundles/${name}/THIRD-PARTY-NOTICES.md`, 80_000],
    ]);

  it('holds every Lambda bundle the constructs deploy, with the map its stack traces are read with', () => {
    expect(() => checkLambdaBundles(withFiles(...bundles('copier', 'sync')), ['copier', 'sync'])).not.toThrow();
    expect(() => checkLambdaBundles(withFiles(...bundles('copier')), ['copier', 'sync'])).toThrow(
      'bulwark-1.2.0.tgz lacks the Lambda bundle files dist/lambda-bundles/sync/index.js, dist/lambda-bundles/sync/index.js.map, dist/lambda-bundles/sync/THIRD-PARTY-NOTICES.md: run npm run build:lib before packing',
    );
  });

  it('holds the licences of the third-party code inside each Lambda bundle', () => {
    const withoutNotices = withFiles(...bundles('copier').filter(([path]) => !path.endsWith('/THIRD-PARTY-NOTICES.md')));
    expect(() => checkLambdaBundles(withoutNotices, ['copier'])).toThrow('bulwark-1.2.0.tgz lacks the Lambda bundle files dist/lambda-bundles/copier/THIRD-PARTY-NOTICES.md');
  });

  it('ships source maps beside the Lambda bundles only, not for the library JavaScript', () => {
    expect(SOURCE_MAP_POLICY.allowedUnder).toBe('dist/lambda-bundles/');
    expect(() => checkSourceMaps(withFiles(...bundles('copier')))).not.toThrow();
    expect(() => checkSourceMaps(withFiles(...bundles('copier'), ['dist/lib/index.js.map', 2048], ['dist/lambda/bundles.js.map', 1024]))).toThrow(
      'bulwark-1.2.0.tgz ships 2 source maps outside dist/lambda-bundles (3.0 KiB, e.g. dist/lib/index.js.map)',
    );
  });

  it('carries none of this repository\'s stacks or stage config (account IDs, DNS, on-call address)', () => {
    expect(() => checkNoDeploymentConfig(withFiles(...bundles('copier'), ['dist/lib/constructs/network.js', 4096]))).not.toThrow();
    expect(() => checkNoDeploymentConfig(withFiles(['dist/lib/config/stages/prod.js', 4096], ['dist/lib/stacks/stage.js', 2048]))).toThrow(
      "bulwark-1.2.0.tgz ships 2 files of this repository's own stacks or stage config (e.g. dist/lib/config/stages/prod.js)",
    );
  });

  // The package as the build leaves it: what the release and the consumer smoke test pack.
  it('holds for the package as npm run build:lib leaves it', () => {
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { compilerOptions: { sourceMap?: boolean } };
    expect(build.compilerOptions.sourceMap).toBe(false);
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
    expect(manifest.files).toContain('dist/lambda-bundles');
    expect(LAMBDAS.length).toBeGreaterThan(0);
    expect(bundleOptions(REPO_ROOT, LAMBDAS[0], 'index.js')).toMatchObject({ sourcemap: true, sourcesContent: false });
  });
});
