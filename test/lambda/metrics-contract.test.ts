import { DescribeDBClusterSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetIPSetCommand, UpdateIPSetCommand, WAFV2Client } from '@aws-sdk/client-wafv2';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { loadStageConfig } from '../../lib/config';
import { createStage, type StageStacks } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { captureOutput, type EmfDocument } from './support/captured-output';
import { lambdaContext } from './support/lambda-context';

/**
 * The contract between the functions and the operations side: every metric that an alarm or
 * the dashboard of the synthesized prod stage reads in a function's namespace is one that
 * the function's real entry point prints, with the same namespace, name, dimension names and
 * dimension values. Configured from the synthesized functions' own environment, so a renamed
 * metric, a changed dimension set (such as Powertools' default `service` dimension) or a
 * namespace mismatch fails here instead of leaving an alarm on a metric nobody publishes.
 */

interface MetricReference {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Which alarm or dashboard reads it. */
  readonly readBy: string;
}

/** Stands in for a CloudFormation token (a Ref or GetAtt) in a template value. */
const TOKEN = '<token>';

type Json = Record<string, unknown>;

function alarmMetrics(template: Template): MetricReference[] {
  const references: MetricReference[] = [];
  for (const [id, alarm] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    const properties = alarm.Properties as Json;
    const metrics = properties.Metrics ? (properties.Metrics as { MetricStat?: { Metric: Json } }[]).flatMap((query) => (query.MetricStat ? [query.MetricStat.Metric] : [])) : [properties];
    for (const metric of metrics) {
      if (typeof metric.Namespace !== 'string' || typeof metric.MetricName !== 'string') continue;
      const dimensions = (metric.Dimensions as { Name: string; Value: unknown }[] | undefined) ?? [];
      references.push({
        namespace: metric.Namespace,
        metricName: metric.MetricName,
        dimensions: Object.fromEntries(dimensions.map(({ Name, Value }) => [Name, typeof Value === 'string' ? Value : TOKEN])),
        readBy: `alarm ${id}`,
      });
    }
  }
  return references;
}

/** The dashboard body is a Fn::Join of JSON text and tokens; tokens only ever sit inside JSON strings. */
function dashboardMetrics(template: Template): MetricReference[] {
  const references: MetricReference[] = [];
  for (const [id, dashboard] of Object.entries(template.findResources('AWS::CloudWatch::Dashboard'))) {
    const body = (dashboard.Properties as Json).DashboardBody as string | { 'Fn::Join': [string, unknown[]] };
    const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : TOKEN)).join('');
    const widgets = (JSON.parse(text) as { widgets: { properties?: { metrics?: unknown[][] } }[] }).widgets;
    for (const row of widgets.flatMap((widget) => widget.properties?.metrics ?? [])) {
      const [namespace, metricName, ...rest] = row;
      if (typeof namespace !== 'string' || typeof metricName !== 'string') continue; // a math expression
      const pairs = rest.filter((value): value is string => typeof value === 'string');
      const dimensions: Record<string, string> = {};
      for (let index = 0; index < pairs.length; index += 2) dimensions[pairs[index]] = pairs[index + 1];
      references.push({ namespace, metricName, dimensions, readBy: `dashboard ${id}` });
    }
  }
  return references;
}

/** The environment a function is deployed with, tokens replaced by values its config accepts. */
function functionEnvironment(stack: Stack, marker: string, tokenValues: Record<string, string>): Record<string, string> {
  const functions = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  const variables = functions.map((fn) => (fn.Properties as { Environment?: { Variables?: Json } }).Environment?.Variables ?? {}).find((vars) => marker in vars);
  if (!variables) throw new Error(`no function with ${marker} in ${stack.stackName}`);
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : tokenValues[name]]));
}

/** Whether a printed EMF document publishes the referenced metric under exactly its dimension set. */
function publishes(document: EmfDocument, reference: MetricReference): boolean {
  const wanted = Object.keys(reference.dimensions).sort().join(',');
  return document._aws.CloudWatchMetrics.some(
    (directive) =>
      directive.Namespace === reference.namespace &&
      directive.Metrics.some((metric) => metric.Name === reference.metricName) &&
      directive.Dimensions.some((set) => [...set].sort().join(',') === wanted) &&
      Object.entries(reference.dimensions).every(([name, value]) => value === TOKEN || document[name] === value),
  );
}

async function invoke(entry: string, environment: Record<string, string>, event: Json): Promise<EmfDocument[]> {
  for (const [name, value] of Object.entries({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...environment })) vi.stubEnv(name, value);
  vi.resetModules();
  const output = captureOutput();
  const { handler } = (await import(entry)) as { handler: (event: Json, context: ReturnType<typeof lambdaContext>) => Promise<unknown> };
  await handler(event, lambdaContext('contract', 'request'));
  return output.emf();
}

const config = loadStageConfig('prod');
const EVENT = { id: 'event', source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} };
let stage: StageStacks;
let references: MetricReference[];

beforeAll(() => {
  // Synthesis only reads the templates here, so the functions are not bundled.
  stage = createStage(testApp({ stage: config.stage }), config);
  const monitoring = Template.fromStack(stage.monitoring);
  references = [...alarmMetrics(monitoring), ...dashboardMetrics(monitoring)];
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** The copier's run on an empty backup region: it publishes every metric, the copy age as the no-copy sentinel. */
async function copierDocuments(environment: Record<string, string>): Promise<EmfDocument[]> {
  const rds = mockClient(RDSClient);
  rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
  try {
    return await invoke('../../lambda/snapshot-copier/handler', environment, EVENT);
  } finally {
    rds.restore();
  }
}

/** A clean sync of both families, so the per-family documents are printed too. */
async function syncDocuments(environment: Record<string, string>): Promise<EmfDocument[]> {
  const waf = mockClient(WAFV2Client);
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: '192.0.2.1\n2001:db8::1' } });
  waf.on(GetIPSetCommand).resolves({ IPSet: { Name: 'set', Id: 'id', ARN: 'arn', IPAddressVersion: 'IPV4', Addresses: [] }, LockToken: 'token' });
  waf.on(UpdateIPSetCommand).resolves({ NextLockToken: 'next' });
  vi.stubGlobal('fetch', async () => new Response('198.51.100.0/24 ; SBL1\n2001:db8:bad::/48 ; SBL2\n'));
  try {
    return await invoke('../../lambda/ip-set-sync/handler', environment, EVENT);
  } finally {
    waf.restore();
    ssm.restore();
  }
}

it('every metric the prod alarms and dashboard read in the functions\' namespaces is one a function prints', async () => {
  const copierEnvironment = functionEnvironment(stage.data, 'SOURCE_CLUSTER_IDENTIFIER', { SOURCE_CLUSTER_IDENTIFIER: 'bulwark-prod-db' });
  const syncEnvironment = functionEnvironment(stage.service, 'BLOCKLIST_SOURCE', {
    IPV4_SET_ID: '00000000-0000-4000-8000-000000000004',
    IPV6_SET_ID: '00000000-0000-4000-8000-000000000006',
  });
  const documents = [...(await copierDocuments(copierEnvironment)), ...(await syncDocuments(syncEnvironment))];

  const namespaces = new Set([copierEnvironment.METRIC_NAMESPACE, syncEnvironment.METRIC_NAMESPACE]);
  const read = references.filter((reference) => namespaces.has(reference.namespace));
  // The alarms this contract exists for; the dashboard reads the rest.
  expect(read.filter((reference) => reference.readBy.startsWith('alarm')).map((reference) => reference.metricName)).toEqual(
    expect.arrayContaining(['SnapshotCopyAgeSeconds', 'SnapshotCopyFailures', 'SnapshotPruneFailures', 'IpSetSyncFailures']),
  );
  for (const reference of read) {
    expect(documents.some((document) => publishes(document, reference)), `${reference.readBy} reads ${JSON.stringify(reference)}`).toBe(true);
  }
});
