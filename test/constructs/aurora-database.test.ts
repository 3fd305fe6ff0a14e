import { type CfnElement, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../lib/constructs/network';
import { AuroraDatabase, type AuroraDatabaseProps } from '../../lib/constructs/aurora-database';
import type { ObservedDatabase } from '../../lib/constructs/observability';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

function databaseStack(props: Partial<AuroraDatabaseProps> = {}): { stack: Stack; database: AuroraDatabase } {
  const stack = new Stack(testApp(), 'Db', { env: { account: '123456789012', region: 'eu-west-1' } });
  applyNag(stack);
  const { vpc } = new Network(stack, 'Net', { availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'], natGateways: 1 });
  const database = new AuroraDatabase(stack, 'Database', { vpc, ...props });
  return { stack, database };
}

describe('AuroraDatabase (provisioned, prod-like)', () => {
  let stack: Stack;
  let database: AuroraDatabase;
  let template: Template;
  beforeAll(() => {
    ({ stack, database } = databaseStack({
      instanceType: new ec2.InstanceType('r7g.xlarge'),
      readers: 1,
      backupRetention: Duration.days(14),
      preferredBackupWindow: '02:00-03:00',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
    }));
    template = Template.fromStack(stack);
  });

  it('runs a current major of Aurora PostgreSQL, encrypted with a rotating customer-managed key', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: Match.stringLikeRegexp('^17\\.'),
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: Match.stringLikeRegexp('Aurora') });
  });

  it('has a writer and a reader in promotion tiers 0 and 1', () => {
    template.resourceCountIs('AWS::RDS::DBInstance', 2);
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r7g.xlarge', PromotionTier: 0 });
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceClass: 'db.r7g.xlarge', PromotionTier: 1 });
  });

  it('lives in the isolated subnets', () => {
    const groups = template.findResources('AWS::RDS::DBSubnetGroup');
    const subnetIds: Array<{ Ref: string }> = Object.values(groups)[0].Properties.SubnetIds;
    expect(subnetIds).toHaveLength(3);
    for (const id of subnetIds) expect(id.Ref).toMatch(/^NetVpcisolated/);
  });

  it('keeps backups for the configured retention in a fixed window', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 14, PreferredBackupWindow: '02:00-03:00', CopyTagsToSnapshot: true });
  });

  it('is deletion-protected and leaves a snapshot when removed', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', { DeletionProtection: true });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  it('forces TLS through the cluster parameter group', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Family: 'aurora-postgresql17',
      Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
    });
  });

  it('audits DDL and role changes with pgaudit as AWS documents it, on top of the preloaded pg_stat_statements', () => {
    template.hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({
        shared_preload_libraries: 'pg_stat_statements,pgaudit',
        'pgaudit.log': 'ddl,role',
        'pgaudit.role': 'rds_pgaudit',
        'pgaudit.log_parameter': '0',
      }),
    });
  });

  it('leaves statement logging to pgaudit: PostgreSQL itself logs no DDL text (it would hold rotated passwords)', () => {
    const groups = Object.values(template.findResources('AWS::RDS::DBClusterParameterGroup'));
    expect(groups).toHaveLength(1);
    for (const group of groups) {
      const { log_statement: statementLogging } = group.Properties.Parameters as Record<string, string>;
      expect(statementLogging).toBe('none');
      expect(['ddl', 'mod', 'all']).not.toContain(statementLogging.toLowerCase());
      expect(group.Properties.Parameters.log_min_error_statement).toBe('panic');
      expect(group.Properties.Parameters['pg_stat_statements.track_utility']).toBe('0');
    }
  });

  it('exports the postgresql log with retention', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableCloudwatchLogsExports: ['postgresql'] });
    template.hasResourceProperties('Custom::LogRetention', {
      LogGroupName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/postgresql$')])] },
      RetentionInDays: 90,
    });
  });

  it('turns on Database Insights, encrypted with the key, and enhanced monitoring', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      DatabaseInsightsMode: 'advanced',
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 465,
      PerformanceInsightsKmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] },
    });
    template.allResourcesProperties('AWS::RDS::DBInstance', {
      MonitoringInterval: 60,
      MonitoringRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseClusterMonitoringRole'), 'Arn'] },
    });
  });

  it('enables IAM authentication', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', { EnableIAMDatabaseAuthentication: true });
  });

  it('grants IAM database connections as the named user of this cluster only', () => {
    const { stack: other, database: db } = databaseStack();
    const role = new iam.Role(other, 'AppRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    db.grantConnect(role, 'app_user');
    const clusterId = other.getLogicalId(db.cluster.node.defaultChild as CfnElement);
    const dbUserArn = { 'Fn::Join': ['', ['arn:aws:rds-db:eu-west-1:123456789012:dbuser:', { 'Fn::GetAtt': [clusterId, 'DBClusterResourceId'] }, '/app_user']] };
    const policies = Object.values(Template.fromStack(other).findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^AppRole') }] } }));
    expect(policies.map((policy) => policy.Properties.PolicyDocument.Statement)).toEqual([[{ Action: 'rds-db:connect', Effect: 'Allow', Resource: dbUserArn }]]);
  });

  it('generates the credentials, database name included, into a KMS-encrypted secret rotated on a schedule', () => {
    // dbname is in the secret because ECS injects DB_NAME from it: RDS's attachment adds
    // host, port and engine, never the database name.
    const [secret] = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    expect(JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ username: 'bulwark_admin', dbname: expect.any(String) });
    expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DatabaseKey/), 'Arn'] });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
  });

  it('starts rotating only once the instances exist (the first rotation runs at once)', () => {
    const [schedule] = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
    const instances = Object.keys(template.findResources('AWS::RDS::DBInstance'));
    expect(instances.length).toBeGreaterThan(0);
    expect(schedule.DependsOn).toEqual(expect.arrayContaining(instances));
  });

  it('exposes the cluster, secret and connections', () => {
    expect(database.secret).toBe(database.cluster.secret);
    expect(database.connections.securityGroups).toHaveLength(1);
    template.hasResourceProperties('AWS::RDS::DBCluster', { Port: 5432 });
    expect(database.isServerless).toBe(false);
  });

  it('builds metrics on the cluster', () => {
    const lag = stack.resolve(database.metrics.metricReplicaLag().toMetricConfig().metricStat);
    expect(lag).toMatchObject({ namespace: 'AWS/RDS', metricName: 'AuroraReplicaLagMaximum', statistic: 'Maximum' });
    expect(lag.dimensions[0].name).toBe('DBClusterIdentifier');
    expect(database.metrics.metricCPUUtilization().metricName).toBe('CPUUtilization');
    expect(database.metrics.metricDatabaseConnections().metricName).toBe('DatabaseConnections');
    expect(database.metrics.metricFreeableMemory().statistic).toBe('Minimum');
    expect(database.metrics.metricDeadlocks().metricName).toBe('Deadlocks');
    expect(database.metrics.metricCommitLatency().metricName).toBe('CommitLatency');
  });

  it('passes cdk-nag AwsSolutions', () => {
    expectNoNagFindings(stack);
  });
});

describe('AuroraDatabase (Serverless v2)', () => {
  it('scales readers with the writer in promotion tier 1', () => {
    const { stack, database } = databaseStack({ serverless: { minCapacity: 0.5, maxCapacity: 4 }, readers: 2 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::RDS::DBCluster', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
    template.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PromotionTier: 1 }, 2);
    template.resourcePropertiesCountIs('AWS::RDS::DBInstance', { DBInstanceClass: 'db.serverless', PromotionTier: 0 }, 1);
    expect(database.isServerless).toBe(true);
    expect(database.metrics.metricACUUtilization().metricName).toBe('ACUUtilization');
  });
});

describe('AuroraDatabase restored from a snapshot', () => {
  const SNAPSHOT = 'arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:bulwark-prod-copy-bulwark-prod-cluster-2026-11-25-02-10';
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(databaseStack({ snapshotIdentifier: SNAPSHOT, databaseName: 'bulwark' }).stack);
  });

  it('builds the cluster from the snapshot, encrypted with the construct key and TLS-only as usual', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      SnapshotIdentifier: SNAPSHOT,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatabaseKey'), 'Arn'] },
      DBClusterParameterGroupName: Match.anyValue(),
      DeletionProtection: true,
    });
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
  });

  it('sets a new master password from a secret that names the database inside the snapshot, rotated as usual', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: '{"username":"bulwark_admin","dbname":"bulwark"}' }),
    });
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      MasterUserPassword: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])] },
    });
    template.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 1);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
  });

  it('rejects a snapshot identifier RDS would not accept', () => {
    expect(() => databaseStack({ snapshotIdentifier: 'not a snapshot' })).toThrow(/snapshotIdentifier must be a cluster snapshot identifier or ARN/);
  });
});

describe('AuroraDatabase options', () => {
  it('runs writer-only with readers: 0', () => {
    const { stack } = databaseStack({ readers: 0 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::RDS::DBInstance', { PromotionTier: 0 });
  });

  it('knows the memory and default max_connections Observability alarms on, where the instance class tells', () => {
    const serverless = databaseStack({ serverless: { minCapacity: 0.5, maxCapacity: 4 } }).database;
    expect([serverless.memoryBytes, serverless.maxConnections]).toEqual([8 * 2 ** 30, 901]);
    // The construct itself is what Observability takes as its database.
    const observed: ObservedDatabase = serverless;
    expect(observed.metrics).toBe(serverless.metrics);
    const provisioned = databaseStack({ instanceType: new ec2.InstanceType('r7g.xlarge') }).database;
    expect([provisioned.memoryBytes, provisioned.maxConnections]).toEqual([32 * 2 ** 30, 3604]);
    const unknown = databaseStack({ instanceType: new ec2.InstanceType('t4g.medium') }).database;
    expect([unknown.memoryBytes, unknown.maxConnections]).toEqual([undefined, undefined]);
  });

  it('merges extra parameters over the defaults, adding preloaded libraries to pgaudit\'s rather than replacing them', () => {
    const { stack } = databaseStack({ parameters: { shared_preload_libraries: ' pg_cron, pgaudit', 'pgaudit.log': 'ddl,role,write', log_min_duration_statement: '500', 'rds.force_ssl': '0' } });
    Template.fromStack(stack).hasResourceProperties('AWS::RDS::DBClusterParameterGroup', {
      Parameters: Match.objectLike({
        shared_preload_libraries: 'pg_stat_statements,pgaudit,pg_cron',
        'pgaudit.log': 'ddl,role,write',
        log_min_duration_statement: '500',
        log_statement: 'none',
        'rds.force_ssl': '1',
      }),
    });
  });

  it('retains its key by default and destroys it when asked', () => {
    const keyPolicies = (template: Template) =>
      Object.entries(template.findResources('AWS::KMS::Key'))
        .filter(([id]) => id.startsWith('DatabaseKey'))
        .map(([, key]) => key.DeletionPolicy);
    expect(keyPolicies(Template.fromStack(databaseStack().stack))).toEqual(['Retain']);
    expect(keyPolicies(Template.fromStack(databaseStack({ keyRemovalPolicy: RemovalPolicy.DESTROY }).stack))).toEqual(['Delete']);
  });
});

describe('AuroraDatabase validation', () => {
  it.each<[string, Partial<AuroraDatabaseProps>, RegExp]>([
    ['instanceType with serverless', { instanceType: new ec2.InstanceType('r7g.large'), serverless: { minCapacity: 1, maxCapacity: 2 } }, /either instanceType .* or serverless/],
    ['more than 15 readers', { readers: 16 }, /readers must be an integer from 0 to 15 \(got 16\)/],
    ['retention under 7 days', { backupRetention: Duration.days(3) }, /backupRetention must be between 7 and 35 days/],
    ['min capacity above max', { serverless: { minCapacity: 8, maxCapacity: 2 } }, /serverless\.minCapacity \(8\) must not exceed/],
    ['log_statement ddl (rotated passwords in clear text)', { parameters: { log_statement: 'ddl' } }, /parameters\.log_statement "ddl" would write every password set by CREATE\/ALTER ROLE .* in clear text/],
    ['log_statement MOD', { parameters: { log_statement: 'MOD' } }, /parameters\.log_statement "MOD"/],
    ['log_statement all', { parameters: { log_statement: ' all' } }, /parameters\.log_statement " all"/],
  ])('rejects %s', (_name, props, message) => {
    expect(() => databaseStack(props)).toThrow(message);
  });
});

describe('AuroraDatabase.addUserSecret (the runtime role\'s credentials)', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    const built = databaseStack({ secretRotation: Duration.days(14) });
    stack = built.stack;
    built.database.addUserSecret('RuntimeSecret', 'bulwark_app');
    template = Template.fromStack(stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('generates a second secret shaped like the master\'s, encrypted with the cluster key and attached to the cluster', () => {
    const secrets = Object.values(template.findResources('AWS::SecretsManager::Secret'));
    const runtime = secrets.find((secret) => JSON.parse(secret.Properties.GenerateSecretString.SecretStringTemplate).username === 'bulwark_app')!;
    expect(JSON.parse(runtime.Properties.GenerateSecretString.SecretStringTemplate)).toEqual({ username: 'bulwark_app', dbname: 'app' });
    expect(runtime.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^DatabaseKey/), 'Arn'] });
    template.resourceCountIs('AWS::SecretsManager::SecretTargetAttachment', 2);
  });

  it('rotates it single-user on the master\'s schedule, the first time a period later (the role does not exist yet)', () => {
    const schedules = Object.values(template.findResources('AWS::SecretsManager::RotationSchedule'));
    expect(schedules).toHaveLength(2);
    const runtimeSchedule = schedules.find((schedule) => JSON.stringify(schedule.Properties.SecretId).includes('RuntimeSecret'))!;
    expect(runtimeSchedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(14 days)' });
    expect(runtimeSchedule.Properties.RotateImmediatelyOnUpdate).toBe(false);
    expect(runtimeSchedule.DependsOn).toEqual(expect.arrayContaining(Object.keys(template.findResources('AWS::RDS::DBInstance'))));
    template.resourceCountIs('AWS::Serverless::Application', 2);
    const mappings = JSON.stringify(template.toJSON().Mappings);
    expect(mappings.match(/SecretsManagerRDSPostgreSQLRotationSingleUser/g)?.length).toBeGreaterThanOrEqual(2);
    expect(mappings).not.toContain('MultiUser');
  });

  it('generates and rotates its passwords from the master\'s alphabet (no URL or shell specials)', () => {
    const applications = Object.values(template.findResources('AWS::Serverless::Application')).map((app) => app.Properties.Parameters.excludeCharacters);
    const generated = Object.values(template.findResources('AWS::SecretsManager::Secret')).map((secret) => secret.Properties.GenerateSecretString.ExcludeCharacters);
    expect(new Set([...applications, ...generated])).toEqual(new Set([' %+~`#$&*()|[]{}:;<>?!\'/@"\\']));
    expect(applications).toHaveLength(2);
  });

  it('refuses a user name PostgreSQL would fold or reject', () => {
    const { database } = databaseStack();
    expect(() => database.addUserSecret('Bad', 'App-User')).toThrow('AuroraDatabase.addUserSecret: username must be a lower-case PostgreSQL identifier');
  });
});
