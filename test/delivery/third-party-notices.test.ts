/**
 * The licences of the third-party code we ship inside bundles (scripts/third-party): which
 * packages a build inlined, read from esbuild's metafile; the policy that keeps copyleft and
 * unknown terms out; and THIRD-PARTY-NOTICES.md, which carries their texts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLES_DIRECTORY, LAMBDAS } from '../../lambda/bundles';
import { bundledPackages, licenceFiles, mergeBundledPackages, packageDirectoryOf } from '../../scripts/third-party/bundled-packages';
import { checkLicence, electedLicenceIds, LicencePolicyError, parseSpdxExpression } from '../../scripts/third-party/licence-policy';
import { NOTICES_FILE, renderNotices } from '../../scripts/third-party/notices';
import { BUNDLED_PACKAGES_FILE, readBundledPackages, writeThirdPartyNotices } from '../../scripts/third-party/write';
import { REPO_ROOT } from './workflows';

const APACHE = readFileSync(join(REPO_ROOT, 'scripts', 'third-party', 'reference-texts', 'Apache-2.0.txt'), 'utf8');
const MIT_ACME = 'MIT License\n\nCopyright (c) 2024 Acme Corp\n\nPermission is hereby granted, free of charge...\n';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'third-party-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A fake package folder under `root`, with its package.json and any licence files. */
function fakePackage(directory: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): void {
  mkdirSync(join(root, directory), { recursive: true });
  writeFileSync(join(root, directory, 'package.json'), JSON.stringify(manifest));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, directory, file)), { recursive: true });
    writeFileSync(join(root, directory, file), text);
  }
}

/** A metafile whose outputs hold the given inputs, with the bytes each contributed. */
function metafile(outputs: Record<string, Record<string, number>>): Metafile {
  return {
    inputs: {},
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([output, inputs]) => [output, { imports: [], exports: [], bytes: 1, inputs: Object.fromEntries(Object.entries(inputs).map(([input, bytesInOutput]) => [input, { bytesInOutput }])) }]),
    ),
  };
}

describe('the packages a build bundled, from its metafile', () => {
  it('finds scoped and nested packages, counts only code that reached an output, and ignores our own sources', () => {
    fakePackage('node_modules/@aws-sdk/client-rds', { name: '@aws-sdk/client-rds', version: '3.1.0', license: 'Apache-2.0' });
    fakePackage('node_modules/fastify', { name: 'fastify', version: '5.0.0', license: 'MIT' });
    fakePackage('node_modules/fastify/node_modules/semver', { name: 'semver', version: '6.3.1', license: 'ISC' });
    fakePackage('node_modules/semver', { name: 'semver', version: '7.6.0', license: 'ISC' });
    fakePackage('node_modules/@types/only-types', { name: '@types/only-types', version: '1.0.0', license: 'MIT' });
    const build = metafile({
      'out/a/index.js': {
        'lambda/a/handler.ts': 500,
        'node_modules/@aws-sdk/client-rds/dist-cjs/index.js': 900,
        'node_modules/@aws-sdk/client-rds/dist-cjs/commands/x.js': 100,
        'node_modules/fastify/node_modules/semver/functions/parse.js': 40,
        'node_modules/@types/only-types/index.d.ts': 0,
      },
      'out/a/index.js.map': {},
      'out/b/index.js': { 'node_modules/fastify/fastify.js': 700, 'node_modules/semver/index.js': 30 },
    });

    const packages = bundledPackages(build, { workingDir: root, outputBase: join(root, 'out') });
    expect(packages.map(({ name, version, license, shippedIn }) => ({ name, version, license, shippedIn }))).toEqual([
      { name: '@aws-sdk/client-rds', version: '3.1.0', license: 'Apache-2.0', shippedIn: ['a/index.js'] },
      { name: 'fastify', version: '5.0.0', license: 'MIT', shippedIn: ['b/index.js'] },
      { name: 'semver', version: '6.3.1', license: 'ISC', shippedIn: ['a/index.js'] },
      { name: 'semver', version: '7.6.0', license: 'ISC', shippedIn: ['b/index.js'] },
    ]);
    expect(packages[2].directory).toBe(join(root, 'node_modules/fastify/node_modules/semver'));
  });

  it('reads inputs resolved through a symlinked node_modules outside the working directory', () => {
    expect(packageDirectoryOf('../main/node_modules/@smithy/core/dist-cjs/index.js')).toBe('../main/node_modules/@smithy/core');
    expect(packageDirectoryOf('lambda/shared/logger.ts')).toBeUndefined();
  });

  it('lists one version bundled twice (two nested copies, or two bundles) once, with every output', () => {
    const copy = { name: 'fast-uri', version: '3.1.9', license: 'BSD-3-Clause' };
    expect(mergeBundledPackages([[{ ...copy, shippedIn: ['server.js'] }], [{ ...copy, shippedIn: ['migrate.js', 'server.js'] }]])).toEqual([{ ...copy, shippedIn: ['migrate.js', 'server.js'] }]);
  });

  it('fails the build, naming the package, when a bundled package declares no licence', () => {
    fakePackage('node_modules/mystery', { name: 'mystery', version: '0.0.1' });
    expect(() => bundledPackages(metafile({ 'out.js': { 'node_modules/mystery/index.js': 10 } }), { workingDir: root, outputBase: root })).toThrow(
      /^mystery@0\.0\.1 is bundled but its package\.json declares no licence/,
    );
  });

  it('fails the build, naming the package, when a bundled package is copyleft', () => {
    fakePackage('node_modules/@evil/gpl-lib', { name: '@evil/gpl-lib', version: '2.0.0', license: 'GPL-3.0-only' });
    expect(() => bundledPackages(metafile({ 'out.js': { 'node_modules/@evil/gpl-lib/index.js': 10 } }), { workingDir: root, outputBase: root })).toThrow(
      /^@evil\/gpl-lib@2\.0\.0 is bundled but its licence "GPL-3\.0-only" is not one of the permissive licences allowed \(Apache-2\.0, MIT, MIT-0, BSD-2-Clause, BSD-3-Clause, ISC, 0BSD, Zlib\)/,
    );
  });

  it('reads the deprecated licence forms of old package.json files', () => {
    fakePackage('node_modules/old-object', { name: 'old-object', version: '1.0.0', license: { type: 'MIT', url: 'https://example.com' } });
    fakePackage('node_modules/old-array', { name: 'old-array', version: '1.0.0', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] });
    fakePackage('node_modules/old-gpl', { name: 'old-gpl', version: '1.0.0', licenses: [{ type: 'MIT' }, { type: 'GPL-2.0' }] });
    const of = (name: string) => bundledPackages(metafile({ 'out.js': { [`node_modules/${name}/index.js`]: 1 } }), { workingDir: root, outputBase: root });
    expect(of('old-object')[0].license).toBe('MIT');
    expect(of('old-array')[0].license).toBe('(MIT) AND (Apache-2.0)');
    expect(() => of('old-gpl')).toThrow(/^old-gpl@1\.0\.0 is bundled but its licence "\(MIT\) AND \(GPL-2\.0\)"/);
  });

  it('reads the author a package names, as a string or an object, for the notices of a package without a licence file', () => {
    fakePackage('node_modules/by-string', { name: 'by-string', version: '1.0.0', license: 'MIT', author: ' Ada Lovelace <ada@example.org> ' });
    fakePackage('node_modules/by-object', { name: 'by-object', version: '1.0.0', license: 'MIT', author: { name: 'Acme Corp', email: 'oss@example.com' } });
    fakePackage('node_modules/by-nobody', { name: 'by-nobody', version: '1.0.0', license: 'MIT', author: '' });
    const of = (name: string) => bundledPackages(metafile({ 'out.js': { [`node_modules/${name}/index.js`]: 1 } }), { workingDir: root, outputBase: root })[0];
    expect(of('by-string').author).toBe('Ada Lovelace <ada@example.org>');
    expect(of('by-object').author).toBe('Acme Corp');
    expect(of('by-nobody')).not.toHaveProperty('author');
  });
});

describe('the licence policy (SPDX expressions)', () => {
  it('takes a permissive alternative of an OR, needs every operand of an AND, and refuses exceptions and unknown terms', () => {
    for (const allowed of ['MIT', '(MIT OR GPL-3.0-or-later)', 'Apache-2.0 AND BSD-3-Clause', 'MIT OR (Apache-2.0 AND ISC)', '0BSD', 'MIT-0']) {
      expect(() => checkLicence('pkg@1.0.0', allowed), allowed).not.toThrow();
    }
    for (const refused of ['MIT AND GPL-2.0-only', 'LGPL-3.0-or-later', 'GPL-2.0-only WITH Classpath-exception-2.0', 'SEE LICENSE IN LICENSE.md', 'UNLICENSED', 'Apache-2.0+']) {
      expect(() => checkLicence('pkg@1.0.0', refused), refused).toThrow(LicencePolicyError);
    }
    expect(() => checkLicence('pkg@1.0.0', '(MIT OR')).toThrow('pkg@1.0.0 is bundled but declares the licence "(MIT OR" is not an SPDX licence expression (it ends too early)');
  });

  it('elects the licences a package ships under: the first alternative of an OR we can meet, every operand of an AND (AND binding tighter)', () => {
    expect(electedLicenceIds('MIT OR (Apache-2.0 AND MIT)')).toEqual(['MIT']);
    expect(electedLicenceIds('GPL-3.0-only OR MIT')).toEqual(['MIT']);
    expect(electedLicenceIds('(MIT OR GPL-3.0-only) AND Zlib')).toEqual(['MIT', 'Zlib']);
    expect(electedLicenceIds('ISC AND 0BSD OR MIT')).toEqual(['ISC', '0BSD']);
    expect(parseSpdxExpression('MIT OR ISC AND 0BSD')).toEqual({ op: 'OR', left: { id: 'MIT' }, right: { op: 'AND', left: { id: 'ISC' }, right: { id: '0BSD' } } });
  });
});

describe('THIRD-PARTY-NOTICES.md', () => {
  const pkg = (name: string, license: string, files: Array<[string, string]>) => ({ name, version: '1.0.0', license, shippedIn: ['index.js'], files: files.map(([file, text]) => ({ file, text })) });

  it('reproduces every licence and NOTICE file, printing identical texts once with every package that ships them', () => {
    const notices = renderNotices({
      subject: 'The test bundle (index.js)',
      packages: [
        pkg('@aws-sdk/a', 'Apache-2.0', [['LICENSE', APACHE], ['NOTICE', 'AWS SDK for JavaScript\nCopyright Amazon.com, Inc. or its affiliates.\n']]),
        pkg('@aws-sdk/b', 'Apache-2.0', [['LICENSE', APACHE.replaceAll('\n', '\r\n')]]),
        pkg('acme', 'MIT', [['LICENSE.md', MIT_ACME]]),
        pkg('beta', 'MIT', [['LICENSE', MIT_ACME.replace('Acme Corp', 'Beta Ltd')]]),
      ],
      legalComments: [],
    });
    expect(notices).toContain('The test bundle (index.js) contains code of the 4 third-party npm packages below');
    expect(notices).toContain('| `@aws-sdk/a` | 1.0.0 | Apache-2.0 | LICENSE: [1](#text-1), NOTICE: [2](#text-2) |');
    expect(notices).toContain('| `@aws-sdk/b` | 1.0.0 | Apache-2.0 | LICENSE: [1](#text-1) |');
    expect(notices).toContain('Shipped as LICENSE by `@aws-sdk/a@1.0.0`, `@aws-sdk/b@1.0.0`.');
    expect(notices).toContain('Shipped as NOTICE by `@aws-sdk/a@1.0.0`.');
    expect(notices).toContain('Copyright Amazon.com, Inc. or its affiliates.');
    // The Apache text once; both copyright lines of the MIT texts, which differ only there.
    expect(notices.match(/TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION/g)).toHaveLength(1);
    expect(notices).toContain('Copyright (c) 2024 Acme Corp');
    expect(notices).toContain('Copyright (c) 2024 Beta Ltd');
    expect(notices.match(/^### Text \d+$/gm)).toHaveLength(4);
  });

  it('gives a package that ships no licence file the SPDX reference text of its licence, and fails when there is none', () => {
    const notices = renderNotices({ subject: 'B', packages: [pkg('@aws-lambda-powertools/logger', 'MIT-0', []), pkg('@aws-lambda-powertools/commons', 'MIT-0', [])], legalComments: [] });
    expect(notices).toContain('| `@aws-lambda-powertools/logger` | 1.0.0 | MIT-0 | no licence file; MIT-0: [1](#text-1), its package.json names no author |');
    expect(notices).toContain('The SPDX reference text of MIT-0, for the packages that ship no licence file: `@aws-lambda-powertools/logger@1.0.0`, `@aws-lambda-powertools/commons@1.0.0`.');
    expect(notices).toContain('MIT No Attribution');
    // A NOTICE names who to credit, not the terms: the licence text comes with it.
    const noticeOnly = renderNotices({ subject: 'B', packages: [pkg('noticed', 'Apache-2.0', [['NOTICE', 'Noticed\nCopyright 2020 Noticed Inc.\n']])], legalComments: [] });
    expect(noticeOnly).toContain('| `noticed` | 1.0.0 | Apache-2.0 | NOTICE: [1](#text-1), no licence file; Apache-2.0: [2](#text-2), its package.json names no author |');
    // The reference text's copyright line is a placeholder, so the row names the holder; a dual
    // licence gets the text of the alternative we ship under only (there is no GPL text to find).
    const dual = renderNotices({ subject: 'B', packages: [{ ...pkg('dual', 'GPL-3.0-only OR MIT', []), author: 'Ada | Lovelace <ada@example.org>' }], legalComments: [] });
    expect(dual).toContain('| `dual` | 1.0.0 | GPL-3.0-only OR MIT | no licence file; MIT: [1](#text-1), copyright holder per its package.json: Ada \\| Lovelace <ada@example.org> |');
    expect(() => renderNotices({ subject: 'B', packages: [pkg('bare', 'ISC', [])], legalComments: [] })).toThrow(/^bare@1\.0\.0 is bundled but ships no licence file, and scripts\/third-party\/reference-texts has no text of ISC/);
  });

  it('keeps a text containing a code fence inside its own, longer fence', () => {
    const notices = renderNotices({ subject: 'B', packages: [pkg('fenced', 'MIT', [['LICENSE', 'MIT\n```\nCopyright x\n```\n']])], legalComments: [] });
    expect(notices).toContain('````text\nMIT\n```\nCopyright x\n```\n````');
  });

  it('lists LICENSE, LICENCE, NOTICE, COPYING files with any suffix, and nothing else', () => {
    fakePackage('pkg', { name: 'pkg' }, { 'LICENSE-MIT': 'a', 'licence.txt': 'b', 'NOTICE.md': 'c', COPYING: 'd', 'README.md': 'e', 'license-checker.js': 'f', 'LICENSES/x.txt': 'g' });
    expect(licenceFiles(join(root, 'pkg')).map(({ file }) => file)).toEqual(['COPYING', 'LICENSE-MIT', 'NOTICE.md', 'licence.txt']);
  });

  it('is written beside the bundle, with the licence comments esbuild extracted folded in and their .LEGAL.txt removed', () => {
    fakePackage('node_modules/light-my-request', { name: 'light-my-request', version: '6.0.0', license: 'BSD-3-Clause' }, { LICENSE: 'BSD 3-Clause License\nCopyright (c) 2017 The Fastify Team\n' });
    fakePackage('dist', {}, { 'server.js.LEGAL.txt': '/*! formdata-polyfill. MIT License. Jimmy Wärting */\n' });
    const build = metafile({ 'dist/server.js': { 'node_modules/light-my-request/lib/form-data.js': 80 }, 'dist/server.js.LEGAL.txt': {} });
    const packages = writeThirdPartyNotices(build, { workingDir: root, outputBase: join(root, 'dist'), directory: join(root, 'dist'), subject: 'The app bundle' });
    expect(packages).toEqual([{ name: 'light-my-request', version: '6.0.0', license: 'BSD-3-Clause', shippedIn: ['server.js'] }]);
    const notices = readFileSync(join(root, 'dist', NOTICES_FILE), 'utf8');
    expect(notices).toContain('Copyright (c) 2017 The Fastify Team');
    expect(notices).toContain('## Licence comments in the bundled code\n\nKept by esbuild from the bundled sources (`server.js`):');
    expect(notices).toContain('formdata-polyfill. MIT License. Jimmy Wärting');
    expect(existsSync(join(root, 'dist', 'server.js.LEGAL.txt'))).toBe(false);
  });

  it('fails the SBOM clearly when the build that records the packages has not run', () => {
    expect(() => readBundledPackages(join(root, BUNDLED_PACKAGES_FILE), 'npm run build:lib')).toThrow(`${join(root, BUNDLED_PACKAGES_FILE)} is missing: run npm run build:lib first`);
  });
});

// Built by the test run's global setup, as `npm run build:lib` builds them for the package.
describe('the Lambda bundles as the library ships them', () => {
  const bundles = join(REPO_ROOT, BUNDLES_DIRECTORY);

  it.each(LAMBDAS)('the %s bundle carries the notices of every package inside it', (name) => {
    const notices = readFileSync(join(bundles, name, NOTICES_FILE), 'utf8');
    const inside = readBundledPackages(join(bundles, BUNDLED_PACKAGES_FILE), 'npm run build:lambdas').filter((pkg) => pkg.shippedIn.includes(`${name}/index.js`));
    expect(inside.length).toBeGreaterThan(10);
    for (const { name: packageName, version, license } of inside) expect(notices).toContain(`| \`${packageName}\` | ${version} | ${license} |`);
    expect(notices).toContain(`contains code of the ${inside.length} third-party npm packages`);
  });

  it('the snapshot copier ships the RDS client with the Apache-2.0 licence text', () => {
    const notices = readFileSync(join(bundles, 'snapshot-copier', NOTICES_FILE), 'utf8');
    const row = /^\| `@aws-sdk\/client-rds` \| [\d.]+ \| Apache-2\.0 \| LICENSE: \[(\d+)\]/m.exec(notices);
    expect(row).not.toBeNull();
    const text = notices.split(/^### Text \d+$/m)[Number(row![1])];
    expect(text).toContain('`@aws-sdk/client-rds@');
    expect(text).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(text).toContain('Copyright 2018-2020 Amazon.com, Inc. or its affiliates. All Rights Reserved.');
  });
});
