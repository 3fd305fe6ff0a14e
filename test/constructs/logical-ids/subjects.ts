import { type App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import {
  AlarmTopic,
  AuroraDatabase,
  BackupCopyTarget,
  CiDeploy,
  ConfigRecorder,
  DatabaseMigration,
  EdgeProtection,
  FindingsRouting,
  InspectorEnablement,
  LoadTest,
  Network,
  Observability,
  ObservabilityDashboard,
  RealUserMonitoring,
  SecurityBaseline,
  ShieldProtection,
  SloBurnRateAlarms,
  SnapshotReplication,
  SyncAfterDeployment,
  TracingSidecar,
  WebService,
} from '../../../lib';
import { loadStageConfig } from '../../../lib/config';
import { createStage } from '../../../lib/stacks/stage';
import { databaseIn, edgeProtectionIn, networkIn, observabilityIn, replicationIn, RESTORE_SNAPSHOT_ARN, stackIn, webServiceIn } from './fixtures';
import { STAGE_SUBJECT_PREFIX } from './baselines';
import type { LogicalIdSubject } from './snapshot';

/** A migration step for a database whose secrets and key live in another stack, as the stage has it. */
function databaseMigrationIn(app: App): DatabaseMigration {
  const data = stackIn(app, 'Data');
  const stack = stackIn(app);
  const vpc = new ec2.Vpc(data, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const key = new kms.Key(data, 'DatabaseKey');
  const secret = (id: string, name: string) =>
    secretsmanager.Secret.fromSecretAttributes(data, id, { secretCompleteArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`, encryptionKey: key });
  return new DatabaseMigration(stack, 'Migration', {
    cluster: new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENHANCED }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/app:1'),
    ownerSecret: secret('Owner', 'owner'),
    runtimeSecret: secret('Runtime', 'runtime'),
    database: new ec2.SecurityGroup(data, 'DatabaseGroup', { vpc }),
  });
}

/** The baseline with every service and its findings routed to an alarm topic. */
function securityBaselineIn(app: App): SecurityBaseline {
  const stack = stackIn(app);
  return new SecurityBaseline(stack, 'SecurityBaseline', { alarmTopic: new AlarmTopic(stack, 'AlarmTopic') });
}

const stage = (name: string): LogicalIdSubject => ({
  name: `${STAGE_SUBJECT_PREFIX}${name}`,
  kind: 'stage',
  build: (app) => {
    createStage(app, loadStageConfig(name));
    return app;
  },
});

/**
 * Every construct the package exports, and this repository's stages. Adding a construct is
 * one row: its class name and how to build it fully wired (the props that create
 * resources set), returning the construct; then `npm run baseline:logical-ids -- --update`.
 * A construct built only inside another is the child of that one (`node.findChild`).
 */
export const LOGICAL_ID_SUBJECTS: readonly LogicalIdSubject[] = [
  { name: Network.name, kind: 'construct', build: (app) => networkIn(stackIn(app)) },
  { name: AuroraDatabase.name, kind: 'construct', build: (app) => databaseIn(stackIn(app)) },
  // The cluster resource differs in shape: restored (SnapshotIdentifier, no MasterUsername)
  // and Serverless v2 (no instance class, scaling configuration) each keep their own IDs.
  { name: `${AuroraDatabase.name}.fromSnapshot`, kind: 'construct', build: (app) => databaseIn(stackIn(app), 'Database', { snapshotIdentifier: RESTORE_SNAPSHOT_ARN }) },
  { name: `${AuroraDatabase.name}.serverlessV2`, kind: 'construct', build: (app) => databaseIn(stackIn(app), 'Database', { instanceType: undefined, serverless: { minCapacity: 0.5, maxCapacity: 16 } }) },
  { name: SnapshotReplication.name, kind: 'construct', build: (app) => replicationIn(stackIn(app)) },
  {
    name: BackupCopyTarget.name,
    kind: 'construct',
    build: (app) => new BackupCopyTarget(stackIn(app), 'BackupCopies', { keyAliasName: 'alias/orders-backup-copies', vaultName: 'orders-backup-copies' }),
  },
  { name: WebService.name, kind: 'construct', build: webServiceIn },
  { name: EdgeProtection.name, kind: 'construct', build: (app) => edgeProtectionIn(stackIn(app)) },
  { name: ShieldProtection.name, kind: 'construct', build: (app) => edgeProtectionIn(stackIn(app)).shieldProtection! },
  {
    name: SyncAfterDeployment.name,
    kind: 'construct',
    build: (app) => {
      const stack = stackIn(app);
      return new SyncAfterDeployment(stack, 'SyncAfterDeployment', {
        syncFunction: lambda.Function.fromFunctionName(stack, 'Sync', 'orders-ip-set-sync'),
        ipSets: [new wafv2.CfnIPSet(stack, 'Blocklist', { scope: 'REGIONAL', ipAddressVersion: 'IPV4', addresses: [] })],
        logGroup: logs.LogGroup.fromLogGroupName(stack, 'SyncLogs', '/aws/lambda/orders-ip-set-sync'),
      });
    },
  },
  { name: Observability.name, kind: 'construct', build: observabilityIn },
  { name: AlarmTopic.name, kind: 'construct', build: (app) => new AlarmTopic(stackIn(app), 'AlarmTopic', { emailAddresses: ['oncall@example.com'] }) },
  { name: ObservabilityDashboard.name, kind: 'construct', build: (app) => observabilityIn(app).dashboard },
  { name: SloBurnRateAlarms.name, kind: 'construct', build: (app) => observabilityIn(app).node.findChild('AvailabilitySlo') },
  {
    name: TracingSidecar.name,
    kind: 'construct',
    build: (app) => {
      const web = webServiceIn(app);
      return new TracingSidecar(Stack.of(web), 'Tracing', { taskDefinition: web.taskDefinition, appContainer: web.container, serviceName: 'orders-prod', sampleRate: 0.05, logGroup: web.logGroup });
    },
  },
  { name: RealUserMonitoring.name, kind: 'construct', build: (app) => new RealUserMonitoring(stackIn(app), 'Rum', { domainName: 'api.example.com', appMonitorName: 'Orders-prod' }) },
  { name: DatabaseMigration.name, kind: 'construct', build: databaseMigrationIn },
  { name: SecurityBaseline.name, kind: 'construct', build: securityBaselineIn },
  { name: ConfigRecorder.name, kind: 'construct', build: (app) => securityBaselineIn(app).configRecorder! },
  { name: FindingsRouting.name, kind: 'construct', build: (app) => securityBaselineIn(app).findingsRouting! },
  { name: InspectorEnablement.name, kind: 'construct', build: (app) => securityBaselineIn(app).inspector! },
  { name: CiDeploy.name, kind: 'construct', build: (app) => new CiDeploy(stackIn(app), 'CiDeploy', { repository: 'example-org/orders', environment: 'production', regions: ['eu-west-1', 'eu-central-1'], pullRequestDiffRole: true, roleName: 'orders-github-deploy', diffRoleName: 'orders-github-diff' }) },
  {
    name: LoadTest.name,
    kind: 'construct',
    build: (app) => {
      const stack = stackIn(app);
      return new LoadTest(stack, 'LoadTest', {
        vpc: networkIn(stack).vpc,
        targetUrl: 'https://api.example.com',
        perUserLimitPerMinute: 600,
        image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
        allowList: { name: 'orders-allow-ipv4', id: 'allow-id', arn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/orders-allow-ipv4/allow-id', egressCidrs: ['192.0.2.10/32'] },
      });
    },
  },
  stage('dev'),
  stage('prod'),
];
