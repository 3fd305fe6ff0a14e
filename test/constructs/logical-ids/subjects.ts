import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import {
  AlarmTopic,
  AuroraDatabase,
  BackupCopyTarget,
  CiDeploy,
  EdgeProtection,
  Network,
  Observability,
  ObservabilityDashboard,
  RealUserMonitoring,
  ShieldProtection,
  SloBurnRateAlarms,
  SnapshotReplication,
  SyncAfterDeployment,
  TracingSidecar,
  WebService,
} from '../../../lib';
import { loadStageConfig } from '../../../lib/config';
import { createStage } from '../../../lib/stacks/stage';
import { databaseIn, edgeProtectionIn, networkIn, observabilityIn, replicationIn, stackIn, webServiceIn } from './fixtures';
import type { LogicalIdSubject } from './snapshot';

const stage = (name: string): LogicalIdSubject => ({
  name: `stage-${name}`,
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
  { name: CiDeploy.name, kind: 'construct', build: (app) => new CiDeploy(stackIn(app), 'CiDeploy', { repository: 'example-org/orders', environment: 'production', regions: ['eu-west-1', 'eu-central-1'], pullRequestDiffRole: true, roleName: 'orders-github-deploy', diffRoleName: 'orders-github-diff' }) },
  stage('dev'),
  stage('prod'),
];
