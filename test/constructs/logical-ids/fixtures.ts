import { Duration, Stack, type App } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AuroraDatabase, type AuroraDatabaseProps, EdgeProtection, Network, Observability, SnapshotReplication, WebService } from '../../../lib';

// Fully wired constructs for the logical-ID table (subjects.ts): every prop that creates a
// resource is set, so every resource the construct can make is pinned.

const ENV = { account: '123456789012', region: 'eu-west-1' };
const ZONES = ['eu-west-1a', 'eu-west-1b'];
const IMAGE = 'public.ecr.aws/docker/library/node:20-slim';

export const stackIn = (app: App, id = 'Subject') => new Stack(app, id, { env: ENV });
export const networkIn = (stack: Stack) => new Network(stack, 'Network', { availabilityZones: ZONES, natGateways: 1 });

/**
 * A fully wired WebService (dual-stack, DNS, database secret and rule) in its own stack,
 * its dependencies in another: the layout whose logical IDs WebService kept when it was
 * split into a folder of files (commit 31f5459).
 */
export function webServiceIn(app: App): WebService {
  const network = stackIn(app, 'Network');
  const stack = stackIn(app, 'Service');
  const vpc = new ec2.Vpc(network, 'Vpc', { availabilityZones: ZONES, natGateways: 1, ipProtocol: ec2.IpProtocol.DUAL_STACK });
  const databaseSecret = secretsmanager.Secret.fromSecretAttributes(network, 'DbSecret', {
    secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
    encryptionKey: new kms.Key(network, 'DatabaseKey'),
  });
  const databaseSecurityGroup = new ec2.SecurityGroup(network, 'DatabaseSg', { vpc, allowAllOutbound: false });
  return new WebService(stack, 'Web', {
    vpc,
    stage: 'prod',
    domainName: 'api.example.com',
    dualStack: true,
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'example.com' }),
    image: ecs.ContainerImage.fromRegistry(IMAGE),
    databaseSecret,
    database: { connections: new ec2.Connections({ securityGroups: [databaseSecurityGroup] }) },
  });
}

/** The provisioned cluster of the README snippet; `variant` switches to another shape. */
export function databaseIn(stack: Stack, id = 'Database', variant: Partial<AuroraDatabaseProps> = {}): AuroraDatabase {
  return new AuroraDatabase(stack, id, { vpc: networkIn(stack).vpc, instanceType: new ec2.InstanceType('r7g.large'), readers: 1, ...variant });
}

/** A copy in the backup region, as docs/restore.md restores from it. */
export const RESTORE_SNAPSHOT_ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:orders-copy-2026-01-01-02-00';

export function replicationIn(stack: Stack, database = databaseIn(stack)): SnapshotReplication {
  return new SnapshotReplication(stack, 'Replication', {
    cluster: database.cluster,
    clusterEncryptionKey: database.encryptionKey,
    backupRegion: 'eu-central-1',
    backupKeyAliasName: 'alias/orders-backup-copies',
    retention: Duration.days(14),
    copyIdentifierPrefix: 'orders-copy',
    metricNamespace: 'Orders/Operations',
    stage: 'prod',
    awsBackup: { destinationVaultArn: 'arn:aws:backup:eu-central-1:123456789012:backup-vault:orders-backup-copies', retention: Duration.days(35) },
  });
}

/** EdgeProtection with everything that creates resources on: IP-set sync and Shield Advanced. */
export function edgeProtectionIn(stack: Stack, resourceArn = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/0123456789abcdef'): EdgeProtection {
  const unhealthy = new cloudwatch.Alarm(stack, 'Unhealthy', {
    metric: new cloudwatch.Metric({ namespace: 'AWS/ApplicationELB', metricName: 'UnHealthyHostCount' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  return new EdgeProtection(stack, 'Edge', {
    resourceArn,
    stage: 'prod',
    name: 'orders-prod',
    blocklistSource: '/orders/prod/waf/blocklist',
    shieldAdvanced: { healthAlarms: [unhealthy], protectionGroup: true },
  });
}

export function observabilityIn(app: App): Observability {
  const web = webServiceIn(app);
  const stack = Stack.of(web);
  const database = databaseIn(stack);
  const edge = edgeProtectionIn(stack, web.loadBalancer.loadBalancerArn);
  const replication = replicationIn(stack, database);
  return new Observability(stack, 'Observability', {
    webService: web,
    database,
    webAcl: edge,
    ipSetSync: edge,
    shieldProtectedResourceArn: web.loadBalancer.loadBalancerArn,
    backups: replication,
    functions: { 'snapshot-copier': replication.function, ...(edge.syncFunction ? { 'ip-set-sync': edge.syncFunction } : {}) },
    alarmEmails: ['oncall@example.com'],
    alarmNamePrefix: 'Orders-prod',
    dashboardName: 'Orders-prod',
  });
}
