import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { breakingApiChanges, parseApiReport } from '../../scripts/breaking-changes/api-surface';
import { API_REPORT, BASELINES, BreakingCheckError, breakingChangesAnnounced, checkBreakingChanges, describeBreakingCheck } from '../../scripts/breaking-changes/check';
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
