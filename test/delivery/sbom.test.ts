/**
 * The SBOMs describe what ships: the packages inlined into the library's Lambda bundles
 * (recorded by the build the test run's global setup made) and, for the app's image, the
 * packages inlined into its bundles plus the ones it installs beside them.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app/build';
import { generateSbom, npmPurl, SBOM_TARGETS, type CycloneDx } from '../../scripts/sbom';
import { REPO_ROOT } from './workflows';

const work = mkdtempSync(join(tmpdir(), 'sbom-test-'));
const appDist = join(work, 'app-dist');
const boms: Record<string, CycloneDx> = {};
const target = (file: string) => SBOM_TARGETS.find((candidate) => candidate.file === file)!;
const component = (bom: CycloneDx, name: string) => bom.components.find((candidate) => candidate.name === name);
const installedVersion = (name: string) => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  await buildApp(appDist);
  const app = target('app.cdx.json');
  // The app built here rather than into app/dist, which other test files package meanwhile.
  const relocate = (file: string) => join(appDist, basename(file));
  boms.app = generateSbom({ ...app, bundledPackages: relocate(app.bundledPackages), installedLockfile: relocate(app.installedLockfile!) });
  boms.library = generateSbom(target('library.cdx.json'));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the library SBOM', () => {
  it('lists the packages bundled into the Lambda bundles, with purls, licences and the bundles holding them', () => {
    const library = boms.library;
    expect(library.metadata.component).toMatchObject({ name: '@bulwark-cdk/constructs', type: 'library', purl: 'pkg:npm/%40bulwark-cdk/constructs@0.1.0' });
    const recorded = JSON.parse(readFileSync(join(REPO_ROOT, 'dist', 'lambda-bundles', 'bundled-packages.json'), 'utf8')) as { packages: unknown[] };
    expect(library.components).toHaveLength(recorded.packages.length);
    const version = installedVersion('@aws-sdk/client-rds');
    expect(component(library, '@aws-sdk/client-rds')).toEqual({
      'bom-ref': `pkg:npm/%40aws-sdk/client-rds@${version}`,
      type: 'library',
      name: '@aws-sdk/client-rds',
      version,
      purl: `pkg:npm/%40aws-sdk/client-rds@${version}`,
      licenses: [{ license: { id: 'Apache-2.0' } }],
      properties: [{ name: 'bulwark:bundled-in', value: 'snapshot-copier/index.js' }],
    });
    expect(component(library, '@aws-lambda-powertools/logger')?.properties?.map((p) => p.value)).toEqual(['ip-set-sync/index.js', 'migration-runner/index.js', 'snapshot-copier/index.js']);
    // Peers and build tools reach no consumer through the package.
    for (const absent of ['aws-cdk-lib', 'constructs', 'esbuild', 'vitest']) expect(component(library, absent), absent).toBeUndefined();
  });
});

describe('the app SBOM', () => {
  it("lists the image's inlined and installed packages, and nothing it does not ship", () => {
    const app = boms.app;
    expect(app.metadata.component).toMatchObject({ name: '@bulwark-cdk/app', type: 'application', purl: 'pkg:npm/%40bulwark-cdk/app@0.1.0' });
    expect(component(app, 'fastify')?.properties).toEqual([{ name: 'bulwark:bundled-in', value: 'server.js' }]);
    expect(component(app, '@aws-sdk/client-secrets-manager')?.licenses).toEqual([{ license: { id: 'Apache-2.0' } }]);
    const lock = JSON.parse(readFileSync(join(appDist, 'package-lock.json'), 'utf8')) as { packages: Record<string, { integrity: string }> };
    expect(component(app, 'pg')).toMatchObject({
      purl: npmPurl('pg', installedVersion('pg')),
      properties: [{ name: 'bulwark:installed-at', value: 'node_modules/pg' }],
      hashes: [{ alg: 'SHA-512', content: Buffer.from(lock.packages['node_modules/pg'].integrity.replace('sha512-', ''), 'base64').toString('hex') }],
    });
    // PGlite is left out of the image; the build's and the tests' tools never enter it.
    for (const absent of ['@electric-sql/pglite', 'esbuild', 'vitest', 'aws-cdk-lib']) expect(component(app, absent), absent).toBeUndefined();
  });
});

describe.each(['app', 'library'])('the %s SBOM as CycloneDX', (name) => {
  it('has one bom-ref per component and a dependency graph that names only components it lists', () => {
    const bom = boms[name];
    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    expect(bom.dependencies).toEqual([{ ref: bom.metadata.component['bom-ref'], dependsOn: refs }]);
  });

  // The CycloneDX library pinned in requirements-dev.txt (.venv, scripts/setup-python.sh) holds the official schemas.
  it('validates against the CycloneDX 1.5 JSON schema', () => {
    const file = join(work, `${name}.cdx.json`);
    writeFileSync(file, JSON.stringify(boms[name]));
    const validate = 'import sys\nfrom cyclonedx.schema import SchemaVersion\nfrom cyclonedx.validation.json import JsonStrictValidator\nerror = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())\nprint(error or "valid")';
    expect(execFileSync(join(REPO_ROOT, '.venv', 'bin', 'python'), ['-c', validate, file], { encoding: 'utf8' }).trim()).toBe('valid');
  });
});

it('refuses to describe a build that has not run', () => {
  expect(() => generateSbom({ ...target('library.cdx.json'), bundledPackages: join(work, 'nowhere.json') })).toThrow(`${join(work, 'nowhere.json')} is missing: run npm run build:lambdas first`);
});
