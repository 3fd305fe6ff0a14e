import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiReportError, countExportedDeclarations, runApiReport } from '../../scripts/api-report/report';

const REPO_CONFIG = path.join(__dirname, '..', '..', 'api-extractor.json');

const API_V1 = `
/** What a bucket is made with. */
export interface BucketProps {
  /** Size in GiB. */
  readonly size: number;
}
/** Makes a bucket. */
export declare function makeBucket(props: BucketProps): void;
`;

/**
 * A one-file package that uses the repository's api-extractor.json (report name and folder,
 * message levels): what `npm run api:check` does to the real package, on a fixture small
 * enough to change.
 */
let project: string;
let logged: string[];
const run = (update: boolean) => runApiReport(path.join(project, 'api-extractor.json'), { update, log: (line) => logged.push(line) });
const writeDeclarations = (source: string) => writeFileSync(path.join(project, 'dist', 'lib', 'index.d.ts'), source);

beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), 'bulwark-api-report-'));
  logged = [];
  mkdirSync(path.join(project, 'dist', 'lib'), { recursive: true });
  mkdirSync(path.join(project, 'etc'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'fixture-constructs', version: '1.0.0' }));
  writeFileSync(path.join(project, 'tsconfig.build.json'), JSON.stringify({ compilerOptions: { strict: true, types: [] } }));
  writeFileSync(path.join(project, 'api-extractor.json'), JSON.stringify({ extends: REPO_CONFIG, projectFolder: project }));
  writeDeclarations(API_V1);
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

describe('API report (npm run api:check / api:update)', () => {
  it('writes the report on update, then passes the check while the API is unchanged', () => {
    expect(run(true)).toEqual({ reportPath: path.join('etc', 'constructs.api.md'), updated: true, exportedDeclarations: 2 });
    expect(readFileSync(path.join(project, 'etc', 'constructs.api.md'), 'utf8')).toContain('readonly size: number;');
    expect(run(false)).toMatchObject({ updated: false, exportedDeclarations: 2 });
  });

  it('fails the check when a prop changed and the report was not updated, showing the diff and the update command', () => {
    run(true);
    writeDeclarations(API_V1.replace('readonly size: number;', 'readonly size?: number;'));
    expect(() => run(false)).toThrow(ApiReportError);
    expect(() => run(false)).toThrow(/changed and etc\/constructs\.api\.md was not updated[\s\S]*run `npm run api:update`/);
    expect(logged.join('\n')).toContain('-    readonly size: number;\n+    readonly size?: number;');
  });

  it('fails when there is no committed report yet', () => {
    expect(() => run(false)).toThrow('npm run api:update');
  });

  it('fails when a public signature uses a type the package does not export', () => {
    writeFileSync(path.join(project, 'dist', 'lib', 'hidden.d.ts'), 'export interface Hidden {\n  readonly id: string;\n}\n');
    writeDeclarations(`import type { Hidden } from './hidden';\n${API_V1}\n/** Leaks Hidden. */\nexport declare function leak(): Hidden;\n`);
    expect(() => run(true)).toThrow('API Extractor reported 1 error(s)');
  });

  it('refuses declarations older than a library source', () => {
    mkdirSync(path.join(project, 'lib'));
    const source = path.join(project, 'lib', 'index.ts');
    writeFileSync(source, 'export {};\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    expect(() => run(true)).toThrow('lib/index.ts changed after the last build: run npm run build:lib first');
  });

  it('counts every kind of top-level declaration of a report', () => {
    const report = ['export class A {', '}', 'export abstract class B {', 'export const c: number;', 'export function d(): void;', 'export interface E {', 'export type F = string;', 'export enum G {', '    readonly h: string;'].join('\n');
    expect(countExportedDeclarations(report)).toBe(7);
  });
});
