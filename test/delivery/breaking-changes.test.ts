import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { breakingApiChanges, parseApiReport } from '../../scripts/breaking-changes/api-surface';
import { API_REPORT, BASELINES, BreakingCheckError, breakingChangesAnnounced, checkBreakingChanges, describeBreakingCheck } from '../../scripts/breaking-changes/check';
import { checkRelease, describeReleaseCheck, releaseAnnouncesBreaks } from '../../scripts/breaking-changes/release';
import type { LogicalIdSnapshot } from '../constructs/logical-ids/snapshot';

const PACKAGE = '@bulwark-cdk/constructs';

// The shape API Extractor writes (etc/constructs.api.md), trimmed to what the check reads.
const REPORT = `## API Report File for "${PACKAGE}"

\`\`\`ts

import * as ec2 from 'aws-cdk-lib/aws-ec2';

// @public
export class Orders extends Construct {
    constructor(scope: Construct, id: string, props: OrdersProps);
    readonly cluster: rds.IDatabaseCluster;
    // (undocumented)
    metricLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

// @public
export interface OrdersProps {
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

describe('the API report as a public surface', () => {
  const before = parseApiReport(REPORT);
  const after = (edit: (report: string) => string) => breakingApiChanges(before, parseApiReport(edit(REPORT)));

  it('reads exported declarations and their members, not the lines that continue a member', () => {
    expect([...before.keys()]).toEqual(['Orders', 'OrdersProps', 'ORDERS_PORT']);
    expect([...before.get('Orders')!.members.keys()]).toEqual(['constructor', 'cluster', 'metricLatency']);
    expect(Object.fromEntries(before.get('OrdersProps')!.members)).toEqual({ alarms: true, readers: true, vpc: false });
  });

  it('finds a removed export, a renamed or removed prop or member, a prop made required, and a changed kind', () => {
    expect(after((report) => report.replace('export const ORDERS_PORT = 5432;', ''))).toEqual(['ORDERS_PORT (const) is no longer exported']);
    expect(after((report) => report.replace('readonly readers?: number;', 'readonly readerCount?: number;'))).toEqual(['OrdersProps.readers is gone (removed or renamed)']);
    expect(after((report) => report.replace('    readonly cluster: rds.IDatabaseCluster;\n', ''))).toEqual(['Orders.cluster is gone (removed or renamed)']);
    expect(after((report) => report.replace('readonly readers?: number;', 'readonly readers: number;'))).toEqual(['OrdersProps.readers became required']);
    expect(after((report) => report.replace('export const ORDERS_PORT', 'export let ORDERS_PORT'))).toEqual(['ORDERS_PORT is now a let, was a const']);
  });

  it('lets additions and relaxations through: a new export or prop, a prop made optional', () => {
    expect(after((report) => report.replace('    readonly vpc: ec2.IVpc;', '    readonly vpc?: ec2.IVpc;\n    readonly writer?: string;'))).toEqual([]);
    expect(after((report) => `${report}\nexport interface Extra {\n}\n`)).toEqual([]);
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

describe('breaking changes against the latest release (npm run release:check-breaking -- --release VERSION)', () => {
  const RELEASED = '1.4.0';
  const setVersion = (version: string) => write('package.json', JSON.stringify({ name: PACKAGE, version }));
  const releaseCheck = () => checkRelease(repo, RELEASED);
  beforeEach(() => git('tag', `${PACKAGE}@${RELEASED}`, 'main'));

  it('fails a break released as a minor although no changeset is pending any more (consumed, downgraded or never written)', () => {
    writeBaseline('AuroraDatabase', snapshot('OrdersDatabaseCluster0A1B2C3D'));
    write(API_REPORT, REPORT.replace('    readonly readers?: number;\n', ''));
    setVersion('1.5.0');
    commit('a minor release that breaks');
    const result = releaseCheck();
    expect(result).toMatchObject({ tag: `${PACKAGE}@1.4.0`, previous: '1.4.0', version: '1.5.0' });
    expect(result.breaks.api).toEqual(['OrdersProps.readers is gone (removed or renamed)']);
    expect(result.breaks.logicalIds).toEqual([expect.stringMatching(/^AuroraDatabase: Subject\/DatabaseCluster5B53A178 .* is gone/)]);
    expect(releaseAnnouncesBreaks(result)).toBe(false);
    const report = describeReleaseCheck(result);
    expect(report).toMatch(new RegExp(`^breaking-changes: against the latest release ${PACKAGE}@1.4.0 \\(merge base [0-9a-f]{12}\\), this change breaks users`));
    expect(report).toContain('1.5.0 is not a new major version of 1.4.0, so users on ^1.4.0 would get these breaks in an ordinary upgrade.');
  });

  it('fails the same break even with a major changeset still pending: only the version published counts', () => {
    write(API_REPORT, REPORT.replace('readonly readers?: number;', 'readonly readers: number;'));
    write('.changeset/brave-cats.md', `---\n"${PACKAGE}": major\n---\n\nreaders is required.\n`);
    setVersion('1.4.1');
    commit('hand-edited patch version');
    expect(releaseAnnouncesBreaks(releaseCheck())).toBe(false);
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
    expect(describeReleaseCheck(result)).toMatch(/^breaking-changes: none against the latest release @bulwark-cdk\/constructs@1\.4\.0/);
  });

  it('compares against the release, not main: a break already released is not announced again', () => {
    git('checkout', '--quiet', 'main');
    write(API_REPORT, REPORT.replace('export const ORDERS_PORT = 5432;', ''));
    setVersion('2.0.0');
    commit('2.0.0');
    git('tag', `${PACKAGE}@2.0.0`);
    setVersion('2.1.0');
    commit('2.1.0');
    const result = checkRelease(repo, '2.0.0');
    expect(result.breaks.api).toEqual([]);
    expect(releaseAnnouncesBreaks(result)).toBe(true);
  });

  it('refuses a version that is not above the release, an invalid version and a release whose tag is missing', () => {
    expect(() => releaseCheck()).toThrow('package.json\'s version 1.4.0 is not above the latest release 1.4.0');
    setVersion('1.5');
    commit('invalid');
    expect(() => releaseCheck()).toThrow('package.json\'s version "1.5" is not a semantic version');
    expect(() => checkRelease(repo, 'latest')).toThrow('the latest release "latest" is not a semantic version');
    setVersion('1.6.0');
    commit('valid');
    expect(() => checkRelease(repo, '1.5.0')).toThrow(
      `the latest release's tag ${PACKAGE}@1.5.0 is not in this clone: fetch the tags (fetch-depth: 0), or, when that release's github-release job failed, re-run it to create the tag`,
    );
    expect(() => checkRelease(repo, '1.5.0')).toThrow(BreakingCheckError);
  });
});
