import { describe, expect, it } from 'vitest';
import { checkEntryPoints, PackCheckError, parsePackReport, renderPackSummary, type PackReport } from '../../scripts/pack-summary/summary';

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
