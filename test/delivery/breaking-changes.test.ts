import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { breakingApiChanges, parseApiReport } from '../../scripts/breaking-changes/api-surface';
import { API_REPORT, BASELINES, BreakingCheckError, breakingChangesAnnounced, checkBreakingChanges, describeBreakingCheck } from '../../scripts/breaking-changes/check';
import { latestRelease, NotOnNpmError, npmView, type NpmView, type PublishedRelease } from '../../scripts/breaking-changes/published';
import { checkRelease, describeReleaseCheck, releaseAnnouncesBreaks } from '../../scripts/breaking-changes/release';
import { BASELINE_DIR } from '../constructs/logical-ids/baselines';
import type { LogicalIdSnapshot } from '../constructs/logical-ids/snapshot';

const PACKAGE = '@bulwark-cdk/constructs';

// The shape API Extractor writes (etc/constructs.api.md), trimmed to what the check reads.
const REPORT = `## API Report File for "${PACKAGE}"

\`\`\`ts

import * as ec2 from 'aws-cdk-lib/aws-ec2';

// @public
export class Orders extends Construct implements IOrders {
    constructor(scope: Construct, id: string, props: OrdersProps);
    readonly cluster: rds.IDatabaseCluster;
    // (undocumented)
    metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

// @public
export function ordersUrl(host: string, port?: number, ...paths: string[]): string;

// @public
export interface OrdersProps extends Omit<DatabaseOptions, 'engine' | 'port'>, Taggable {
    readonly alarms?: {
        readonly period?: Duration;
    };
    readonly readers?: number;
    readonly vpc: ec2.IVpc;
}

// @public
export const ORDERS_PORT = 5432;

// (No @packageDocumentation comment for this package)

\`\`\`
`;

describe('the files the check reads', () => {
  // Fixed in the check (a change must not move them out of its sight), so kept in step here.
  it('are the API report API Extractor writes and the folder the logical-ID baselines are in', () => {
    const root = path.join(__dirname, '..', '..');
    const extractor = JSON.parse(readFileSync(path.join(root, 'api-extractor.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { apiReport: { reportFileName: string; reportFolder: string } };
    expect(API_REPORT).toBe(`${extractor.apiReport.reportFolder.replace('<projectFolder>/', '')}${extractor.apiReport.reportFileName}.api.md`);
    expect(path.join(root, BASELINES)).toBe(BASELINE_DIR);
  });
});

describe('the API report as a public surface', () => {
  const before = parseApiReport(REPORT);
  const after = (edit: (report: string) => string) => breakingApiChanges(before, parseApiReport(edit(REPORT)));

  it('reads exported declarations and their members, not the lines that continue a member', () => {
    expect([...before.keys()]).toEqual(['Orders', 'ordersUrl', 'OrdersProps', 'ORDERS_PORT']);
    expect([...before.get('Orders')!.members.keys()]).toEqual(['constructor', 'cluster', 'metricLatency']);
    expect(before.get('Orders')!.heritage).toEqual(['Construct', 'IOrders']);
    expect(before.get('OrdersProps')!.heritage).toEqual(["Omit<DatabaseOptions, 'engine' | 'port'>", 'Taggable']);
    expect(Object.fromEntries(before.get('Orders')!.signatures)).toEqual({ constructor: { required: 3, accepted: 3 }, metricLatency: { required: 0, accepted: 1 } });
    expect(before.get('ordersUrl')!.signatures.get('ordersUrl')).toEqual({ required: 1, accepted: Infinity });
    expect(Object.fromEntries(before.get('OrdersProps')!.members)).toEqual({ alarms: true, readers: true, vpc: false });
  });

  it('finds a removed export, a renamed or removed prop or member, a prop made required, and a changed kind', () => {
    expect(after((report) => report.replace('export const ORDERS_PORT = 5432;', ''))).toEqual(['ORDERS_PORT (const) is no longer exported']);
    expect(after((report) => report.replace('readonly readers?: number;', 'readonly readerCount?: number;'))).toEqual(['OrdersProps.readers is gone (removed or renamed)']);
    expect(after((report) => report.replace('    readonly cluster: rds.IDatabaseCluster;\n', ''))).toEqual(['Orders.cluster is gone (removed or renamed)']);
    expect(after((report) => report.replace('readonly readers?: number;', 'readonly readers: number;'))).toEqual(['OrdersProps.readers became required']);
    expect(after((report) => report.replace('export const ORDERS_PORT', 'export let ORDERS_PORT'))).toEqual(['ORDERS_PORT is now a let, was a const']);
  });

  it('finds a base type no longer extended or implemented, or extended with other type arguments (its members may be gone)', () => {
    expect(after((report) => report.replace(', Taggable {', ' {'))).toEqual(['OrdersProps no longer extends or implements Taggable']);
    expect(after((report) => report.replace(' implements IOrders', ''))).toEqual(['Orders no longer extends or implements IOrders']);
    expect(after((report) => report.replace("'engine' | 'port'>", "'engine' | 'port' | 'vpc'>"))).toEqual([
      "OrdersProps no longer extends or implements Omit<DatabaseOptions, 'engine' | 'port'>",
    ]);
  });

  it('finds a call that needs more arguments or accepts fewer: a parameter made required, added, or removed', () => {
    expect(after((report) => report.replace('metricLatency(props?:', 'metricLatency(props:'))).toEqual(['Orders.metricLatency needs 1 argument(s), was 0']);
    expect(after((report) => report.replace('props: OrdersProps);', 'props: OrdersProps, stage: string);'))).toEqual(['Orders.constructor needs 4 argument(s), was 3']);
    expect(after((report) => report.replace('port?: number, ...paths: string[]', 'port?: number'))).toEqual(['ordersUrl accepts 2 argument(s), was Infinity']);
    expect(after((report) => report.replace('(host: string, port?: number,', '(host: string,'))).toEqual([]);
  });

  it('lets additions and relaxations through: a new export or prop, a prop made optional', () => {
    expect(after((report) => report.replace('    readonly vpc: ec2.IVpc;', '    readonly vpc?: ec2.IVpc;\n    readonly writer?: string;'))).toEqual([]);
    expect(after((report) => `${report}\nexport interface Extra {\n}\n`)).toEqual([]);
    // A new base type, a new optional parameter, a required one made optional.
    expect(after((report) => report.replace(', Taggable {', ', Taggable, Named {'))).toEqual([]);
    expect(after((report) => report.replace('metricLatency(props?: cloudwatch.MetricOptions)', 'metricLatency(props?: cloudwatch.MetricOptions, period?: Duration)'))).toEqual([]);
    expect(after((report) => report.replace('(host: string, port?', '(host?: string, port?'))).toEqual([]);
  });
});

const snapshot = (logicalId: string, deletionPolicy: 'Retain' | 'Delete' = 'Retain'): LogicalIdSnapshot => ({
  pinned: { [`Subject/${logicalId}`]: { Type: 'AWS::RDS::DBCluster', DeletionPolicy: deletionPolicy, Properties: { Engine: 'aurora-postgresql' } } },
  replaceable: ['Subject/Role1'],
});

/** A repository with the check's files on main, and a feature branch checked out to change them. */
let repo: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' });
const write = (file: string, content: string) => {
  mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
  writeFileSync(path.join(repo, file), content);
};
const writeBaseline = (name: string, value: LogicalIdSnapshot) => write(`${BASELINES}/${name}.json`, `${JSON.stringify(value, null, 2)}\n`);
const commit = (message: string) => {
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', message);
};
const check = () => checkBreakingChanges(repo, 'main');

beforeEach(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'bulwark-breaking-'));
  git('init', '--quiet', '-b', 'main');
  write('package.json', JSON.stringify({ name: PACKAGE, version: '1.4.0' }));
  write(API_REPORT, REPORT);
  write('.changeset/README.md', '---\n"@bulwark-cdk/constructs": major\n---\nnot a changeset\n');
  writeBaseline('AuroraDatabase', snapshot('DatabaseCluster5B53A178'));
  writeBaseline('stage-prod', snapshot('DataCluster1234'));
  commit('base');
  git('checkout', '--quiet', '-b', 'feature');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('breaking changes against the merge base (npm run release:check-breaking)', () => {
  it('passes a change that breaks nothing: an added prop, a new baseline, a stage replacement', () => {
    write(API_REPORT, REPORT.replace('    readonly vpc: ec2.IVpc;', '    readonly vpc: ec2.IVpc;\n    readonly writer?: string;'));
    writeBaseline('Network', snapshot('Vpc8378EB38'));
    writeBaseline('stage-prod', snapshot('DataClusterRenamed'));
    commit('minor');
    const result = check();
    expect(result).toMatchObject({ api: [], logicalIds: [], majorChangesets: [] });
    expect(breakingChangesAnnounced(result)).toBe(true);
    expect(describeBreakingCheck(result, 'main')).toMatch(/^breaking-changes: none against main \(merge base [0-9a-f]{12}\)$/);
  });

  it('fails a renamed construct id in a baseline without a major changeset, and says what to do', () => {
    writeBaseline('AuroraDatabase', snapshot('OrdersDatabaseCluster0A1B2C3D'));
    write('.changeset/calm-dogs.md', `---\n"${PACKAGE}": minor\n---\n\nRenames the cluster.\n`);
    commit('rename');
    const result = check();
    expect(result.logicalIds).toEqual([expect.stringMatching(/^AuroraDatabase: Subject\/DatabaseCluster5B53A178 \(AWS::RDS::DBCluster\) is gone .*the data stays behind/)]);
    expect(breakingChangesAnnounced(result)).toBe(false);
    expect(describeBreakingCheck(result, 'main')).toContain(`No pending changeset makes the next release of ${PACKAGE} major: it would ship as a minor or patch.`);
  });

  it('fails a retention policy that keeps less, a removed construct baseline and a removed prop', () => {
    writeBaseline('AuroraDatabase', snapshot('DatabaseCluster5B53A178', 'Delete'));
    writeBaseline('Network', snapshot('Vpc8378EB38'));
    commit('weaken');
    expect(check().logicalIds).toEqual(['AuroraDatabase: Subject/DatabaseCluster5B53A178 (AWS::RDS::DBCluster): DeletionPolicy Retain -> Delete: removing it from a stack now deletes what was kept']);

    rmSync(path.join(repo, BASELINES, 'AuroraDatabase.json'));
    write(API_REPORT, REPORT.replace('    readonly readers?: number;\n', ''));
    commit('remove');
    const result = check();
    expect(result.logicalIds).toEqual([expect.stringMatching(/^AuroraDatabase: Subject\/DatabaseCluster5B53A178 \(AWS::RDS::DBCluster\) is gone/)]);
    expect(result.api).toEqual(['OrdersProps.readers is gone (removed or renamed)']);
  });

  it('passes the same break once a pending changeset makes the release major', () => {
    write(API_REPORT, REPORT.replace('readonly readers?: number;', 'readonly readers: number;'));
    write('.changeset/brave-cats.md', `---\n"${PACKAGE}": major\n---\n\nreaders is required.\n`);
    commit('major');
    const result = check();
    expect(result).toMatchObject({ api: ['OrdersProps.readers became required'], majorChangesets: ['brave-cats.md'] });
    expect(breakingChangesAnnounced(result)).toBe(true);
    expect(describeBreakingCheck(result, 'main')).toContain('Announced as major by .changeset/brave-cats.md.');
  });

  it('compares committed files only: an uncommitted break is not seen until it is committed', () => {
    writeBaseline('AuroraDatabase', snapshot('Renamed'));
    expect(check().logicalIds).toEqual([]);
  });

  it('compares against the merge base, not the tip of main: a break merged to main since is not this change', () => {
    git('checkout', '--quiet', 'main');
    write(API_REPORT, REPORT.replace('export const ORDERS_PORT = 5432;', ''));
    commit('main moved on');
    git('checkout', '--quiet', 'feature');
    expect(check().api).toEqual([]);
  });

  it('refuses a base that is not a commit here, naming the fetch it needs', () => {
    expect(() => checkBreakingChanges(repo, 'origin/main')).toThrow(BreakingCheckError);
    expect(() => checkBreakingChanges(repo, 'origin/main')).toThrow('origin/main is not a commit here: fetch it first (a CI checkout needs fetch-depth: 0)');
  });
});

describe('breaking changes against the latest release (npm run release:check-breaking -- --release)', () => {
  const setVersion = (version: string) => write('package.json', JSON.stringify({ name: PACKAGE, version }));
  /** 1.4.0 as npm records it: built from main's first commit. */
  let released: PublishedRelease;
  const releaseCheck = () => checkRelease(repo, released);
  beforeEach(() => {
    released = { version: '1.4.0', commit: git('rev-parse', 'main').trim() };
  });

  it('fails a break released as a minor although no changeset is pending any more (consumed, downgraded or never written)', () => {
    writeBaseline('AuroraDatabase', snapshot('OrdersDatabaseCluster0A1B2C3D'));
    write(API_REPORT, REPORT.replace('    readonly readers?: number;\n', ''));
    setVersion('1.5.0');
    commit('a minor release that breaks');
    const result = releaseCheck();
    expect(result).toMatchObject({ previous: released, version: '1.5.0' });
    expect(result.breaks.mergeBase).toBe(released.commit);
    expect(result.breaks.api).toEqual(['OrdersProps.readers is gone (removed or renamed)']);
    expect(result.breaks.logicalIds).toEqual([expect.stringMatching(/^AuroraDatabase: Subject\/DatabaseCluster5B53A178 .* is gone/)]);
    expect(releaseAnnouncesBreaks(result)).toBe(false);
    const report = describeReleaseCheck(result);
    expect(report).toMatch(/^breaking-changes: against 1\.4\.0, the highest version on npm \(merge base [0-9a-f]{12}\), this change breaks users/);
    expect(report).toContain('1.5.0 is not a new major version of 1.4.0, so users on ^1.4.0 would get these breaks in an ordinary upgrade.');
  });

  it('fails the same break even with a major changeset still pending: only the version published counts', () => {
    write(API_REPORT, REPORT.replace('readonly readers?: number;', 'readonly readers: number;'));
    write('.changeset/brave-cats.md', `---\n"${PACKAGE}": major\n---\n\nreaders is required.\n`);
    setVersion('1.4.1');
    commit('hand-edited patch version');
    expect(releaseAnnouncesBreaks(releaseCheck())).toBe(false);
  });

  it('compares with the commit npm records, so a git tag moved onto the breaking commit changes nothing', () => {
    write(API_REPORT, REPORT.replace('export const ORDERS_PORT = 5432;', ''));
    setVersion('1.5.0');
    commit('break');
    git('tag', '--force', `${PACKAGE}@1.4.0`, 'HEAD');
    expect(releaseCheck().breaks.api).toEqual(['ORDERS_PORT (const) is no longer exported']);
  });

  it('fails when the report or the baselines are gone, instead of finding nothing to compare', () => {
    rmSync(path.join(repo, API_REPORT));
    rmSync(path.join(repo, BASELINES), { recursive: true });
    setVersion('1.5.0');
    commit('moved away');
    const { breaks } = releaseCheck();
    expect(breaks.api).toEqual([`${API_REPORT} is gone: there is no API report to compare with the base's`]);
    expect(breaks.logicalIds).toEqual([expect.stringMatching(/^AuroraDatabase: Subject\/DatabaseCluster5B53A178 .* is gone/)]);
  });

  it('passes a break in a new major version (a pre-release of it too), and a minor that breaks nothing', () => {
    write(API_REPORT, REPORT.replace('readonly readers?: number;', 'readonly readers: number;'));
    setVersion('2.0.0-next.0');
    commit('major pre-release');
    expect(releaseAnnouncesBreaks(releaseCheck())).toBe(true);
    expect(describeReleaseCheck(releaseCheck())).toContain('Published as 2.0.0-next.0, a new major version.');

    git('checkout', '--quiet', '-b', 'additive', 'main');
    write(API_REPORT, REPORT.replace('    readonly vpc: ec2.IVpc;', '    readonly vpc: ec2.IVpc;\n    readonly writer?: string;'));
    setVersion('1.5.0');
    commit('minor');
    const result = releaseCheck();
    expect(releaseAnnouncesBreaks(result)).toBe(true);
    expect(describeReleaseCheck(result)).toMatch(/^breaking-changes: none against 1\.4\.0, the highest version on npm/);
  });

  it('compares against the release, not main: a break already released is not announced again', () => {
    git('checkout', '--quiet', 'main');
    write(API_REPORT, REPORT.replace('export const ORDERS_PORT = 5432;', ''));
    setVersion('2.0.0');
    commit('2.0.0');
    const two = { version: '2.0.0', commit: git('rev-parse', 'HEAD').trim() };
    setVersion('2.1.0');
    commit('2.1.0');
    const result = checkRelease(repo, two);
    expect(result.breaks.api).toEqual([]);
    expect(releaseAnnouncesBreaks(result)).toBe(true);
  });

  it('refuses a version not above the highest on npm, an invalid version, and a release commit outside the history of HEAD', () => {
    expect(() => releaseCheck()).toThrow("package.json's version 1.4.0 is not above 1.4.0, the highest on npm");
    setVersion('1.5');
    commit('invalid');
    expect(() => releaseCheck()).toThrow('package.json\'s version "1.5" is not a semantic version');
    setVersion('1.6.0');
    commit('valid');
    git('checkout', '--quiet', '--orphan', 'elsewhere');
    commit('unrelated');
    const elsewhere = git('rev-parse', 'HEAD').trim();
    git('checkout', '--quiet', 'feature');
    expect(() => checkRelease(repo, { version: '1.5.0', commit: elsewhere })).toThrow(
      `${elsewhere}, the commit npm records for 1.5.0, is not in the history of HEAD: fetch the whole history (fetch-depth: 0); a release is only ever built from main`,
    );
    expect(() => checkRelease(repo, { version: '1.5.0', commit: 'f'.repeat(40) })).toThrow(BreakingCheckError);
  });
});

describe('the latest release on npm', () => {
  const SHA = 'a'.repeat(40);
  /** A registry answering from a table: versions of the package, and gitHead per version. */
  const registry = (versions: unknown, gitHeads: Record<string, unknown> = {}): NpmView & { asked: string[] } => {
    const asked: string[] = [];
    const view = ((spec: string, field: string) => {
      asked.push(`${spec} ${field}`);
      if (versions === undefined) throw new NotOnNpmError(`${spec} is not on the registry`);
      return field === 'versions' ? versions : gitHeads[spec.slice(spec.lastIndexOf('@') + 1)];
    }) as NpmView & { asked: string[] };
    view.asked = asked;
    return view;
  };

  it('is the highest version published, whatever the latest dist-tag points at, with the commit npm records', () => {
    const view = registry(['1.4.0', '1.10.0', '1.5.0', '2.0.0-next.1', '1.9.9'], { '2.0.0-next.1': SHA });
    expect(latestRelease(PACKAGE, view)).toEqual({ version: '2.0.0-next.1', commit: SHA });
    expect(view.asked).toEqual([`${PACKAGE} versions`, `${PACKAGE}@2.0.0-next.1 gitHead`]);
    // npm answers a single version as a string.
    expect(latestRelease(PACKAGE, registry('0.1.0', { '0.1.0': SHA }))).toEqual({ version: '0.1.0', commit: SHA });
  });

  it('refuses a package that is not on npm (trusted publishing cannot create one), and a version without its commit', () => {
    expect(() => latestRelease(PACKAGE, registry(undefined))).toThrow(`${PACKAGE} is not on npm: publish its first version by hand, as docs/releasing.md ("One-time setup") describes`);
    expect(() => latestRelease(PACKAGE, registry(['1.0.0']))).toThrow(`npm records no commit (gitHead) for ${PACKAGE}@1.0.0`);
    expect(() => latestRelease(PACKAGE, registry(['1.0.0'], { '1.0.0': 'main' }))).toThrow(BreakingCheckError);
    expect(() => latestRelease(PACKAGE, registry([]))).toThrow(`npm lists no version of ${PACKAGE}`);
  });
});

describe('npm view, as the release check asks it (a registry on 127.0.0.1)', () => {
  // The registry runs in a process of its own: npmView blocks this one while npm asks it.
  const REGISTRY = `
    const packuments = JSON.parse(process.argv[1]);
    require('node:http').createServer((request, response) => {
      const name = decodeURIComponent(request.url.slice(1));
      if (name === 'garbled') return response.end('<html>proxy error</html>');
      const packument = packuments[name];
      response.writeHead(packument ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(packument ?? { error: 'Not found' }));
    }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  const SHA = 'b'.repeat(40);
  let registry: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const manifest = (version: string, gitHead?: string) => ({ name: PACKAGE, version, ...(gitHead && { gitHead }), dist: { tarball: 'http://127.0.0.1/t.tgz', shasum: '0' } });
    const packuments = {
      [PACKAGE]: { name: PACKAGE, 'dist-tags': { latest: '1.4.0' }, versions: { '1.4.0': manifest('1.4.0'), '1.5.0': manifest('1.5.0', SHA) } },
    };
    registry = spawn(process.execPath, ['-e', REGISTRY, JSON.stringify(packuments)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [port] = (await once(registry.stdout!, 'data')) as [Buffer];
    url = `http://127.0.0.1:${port.toString().trim()}/`;
  });
  afterAll(() => {
    registry.kill();
  });

  it('reads the versions and the commit of each from the registry named, and tells a missing package from other failures', () => {
    expect(latestRelease(PACKAGE, npmView(url))).toEqual({ version: '1.5.0', commit: SHA });
    expect(() => npmView(url)('@bulwark-cdk/unknown', 'versions')).toThrow(NotOnNpmError);
    // A registry that answers with something other than JSON: a failure, never "not on npm".
    expect(() => npmView(url)('garbled', 'versions')).toThrow(/^npm view garbled versions failed: /);
  }, 60_000);
});
