import { Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { DatabaseMigration, MIGRATION_CONTAINER_NAME, type DatabaseMigrationProps } from '../../lib/constructs/database-migration';
import { MIGRATION_RESOURCE_PROPERTIES as P } from '../../lambda/migration-runner/properties';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };

/** The migration beside a service, with both secrets (and their key) in another stack, as in the project. */
function build(props: Partial<DatabaseMigrationProps> = {}) {
  const app = testApp();
  const data = new Stack(app, 'Data', { env: ENV });
  const key = new kms.Key(data, 'Key');
  const owner = new secretsmanager.Secret(data, 'Owner', { encryptionKey: key });
  const runtime = new secretsmanager.Secret(data, 'Runtime', { encryptionKey: key });
  const vpc = new ec2.Vpc(new Stack(app, 'Network', { env: ENV }), 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const stack = new Stack(app, 'Service', { env: ENV });
  applyNag(stack);
  const databaseGroup = new ec2.SecurityGroup(stack, 'DatabaseGroup', { vpc });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENHANCED });
  const migration = new DatabaseMigration(stack, 'Migration', {
    cluster,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/app:1'),
    ownerSecret: owner,
    runtimeSecret: runtime,
    database: databaseGroup,
    ...props,
  });
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'ServiceTask');
  taskDefinition.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/app:1'), logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app' }) });
  const service = new ecs.FargateService(stack, 'Service', { cluster, taskDefinition, minHealthyPercent: 100, circuitBreaker: { enable: true, rollback: true } });
  migration.runsBefore(service);
  return { stack, migration, service, owner, runtime, key, databaseGroup, data };
}

describe('DatabaseMigration with defaults', () => {
  let built: ReturnType<typeof build>;
  let template: Template;
  const id = (construct: { node: { defaultChild?: unknown } }) => built.stack.getLogicalId(construct.node.defaultChild as CfnElement);
  beforeAll(() => {
    built = build();
    template = Template.fromStack(built.stack);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(built.stack);
  });

  it('runs the migration command as a non-root user on a read-only root filesystem, every capability dropped', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [
        Match.objectLike({
          Name: MIGRATION_CONTAINER_NAME,
          Command: ['node', 'migrate.js'],
          User: '1000',
          ReadonlyRootFilesystem: true,
          LinuxParameters: { Capabilities: { Drop: ['ALL'] }, InitProcessEnabled: true },
          // A third of the 30-minute timeout: a migration stuck behind the lock fails before the runner gives up.
          Environment: [{ Name: 'DB_SSL', Value: 'require' }, { Name: 'MIGRATION_ADVISORY_LOCK_WAIT_MS', Value: '600000' }],
          LogConfiguration: Match.objectLike({ Options: Match.objectLike({ 'awslogs-stream-prefix': 'migrate' }) }),
        }),
      ],
    });
  });

  it('injects the owner credentials as DB_MIGRATION_* and the runtime role\'s as DB_USERNAME/DB_PASSWORD', () => {
    const [container] = template.findResources('AWS::ECS::TaskDefinition')[id(built.migration.taskDefinition)].Properties.ContainerDefinitions;
    const sources = Object.fromEntries((container.Secrets as { Name: string; ValueFrom: unknown }[]).map((s) => [s.Name, JSON.stringify(s.ValueFrom)]));
    const ownerArn = built.stack.resolve(built.owner.secretArn);
    expect(Object.keys(sources).sort()).toEqual(['DB_HOST', 'DB_MIGRATION_PASSWORD', 'DB_MIGRATION_USERNAME', 'DB_NAME', 'DB_PASSWORD', 'DB_PORT', 'DB_USERNAME']);
    for (const [variable, field] of Object.entries({ DB_HOST: 'host', DB_PORT: 'port', DB_NAME: 'dbname', DB_MIGRATION_USERNAME: 'username', DB_MIGRATION_PASSWORD: 'password' })) {
      expect(sources[variable], variable).toContain(`:${field}::`);
      expect(sources[variable], variable).toContain('Owner');
    }
    for (const [variable, field] of Object.entries({ DB_USERNAME: 'username', DB_PASSWORD: 'password' })) {
      expect(sources[variable], variable).toContain(`:${field}::`);
      expect(sources[variable], variable).toContain('Runtime');
    }
    expect(ownerArn).toBeDefined();
  });

  it('lets the execution role decrypt the secrets\' key, and only that key, through Secrets Manager only', () => {
    const executionRole = { Ref: id(built.migration.taskDefinition.obtainExecutionRole()) };
    const decrypts = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([executionRole]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown }>)
      .filter((statement) => [statement.Action].flat().some((action) => String(action).startsWith('kms:')));
    expect(decrypts).toEqual([
      {
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Data:ExportsOutputFnGetAtt${built.data.getLogicalId(built.key.node.defaultChild as CfnElement)}Arn`)) },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      },
    ]);
  });

  it('gives the task a security group out to the database and HTTPS only, and the database an ingress from it', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^Database migration task'),
      SecurityGroupEgress: Match.arrayWith([Match.objectLike({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' })]),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 5432,
      GroupId: { 'Fn::GetAtt': [built.stack.getLogicalId(built.databaseGroup.node.defaultChild as CfnElement), 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [id(built.migration.securityGroup), 'GroupId'] },
    });
  });

  it('re-runs on every new task definition: the custom resource names the revision, the cluster, private subnets and the group', () => {
    template.hasResourceProperties('Custom::DatabaseMigration', {
      [P.taskDefinitionArn]: { Ref: id(built.migration.taskDefinition) },
      [P.clusterArn]: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
      [P.containerName]: MIGRATION_CONTAINER_NAME,
      [P.subnetIds]: [{ 'Fn::ImportValue': Match.stringLikeRegexp('VpcPrivateSubnet1') }, { 'Fn::ImportValue': Match.stringLikeRegexp('VpcPrivateSubnet2') }],
      [P.securityGroupIds]: [{ 'Fn::GetAtt': [id(built.migration.securityGroup), 'GroupId'] }],
      [P.logStreamPrefix]: 'migrate',
    });
  });

  it('starts the task only after its execution role may pull and read secrets and its group may reach the database', () => {
    const resource = template.findResources('Custom::DatabaseMigration')[built.stack.getLogicalId(built.migration.resource.node.defaultChild as CfnElement)];
    const executionRole = built.migration.taskDefinition.obtainExecutionRole();
    const executionPolicy = executionRole.node.findChild('DefaultPolicy').node.defaultChild as CfnElement;
    expect(resource.DependsOn).toEqual(expect.arrayContaining([id(built.migration.securityGroup), built.stack.getLogicalId(executionPolicy)]));
  });

  it('makes the service wait for the migration, so a failed migration fails the deploy before a task rolls', () => {
    const service = template.findResources('AWS::ECS::Service')[id(built.service)];
    expect(service.DependsOn).toContain(built.stack.getLogicalId(built.migration.resource.node.defaultChild as CfnElement));
  });

  it('polls every 15 s; the checker keeps the 30-minute timeout, the provider framework backs it up a minute later', () => {
    const environment = { Variables: { MIGRATION_TIMEOUT_SECONDS: '1800' } };
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', Runtime: 'nodejs24.x', Description: Match.stringLikeRegexp('^Starts the one-off database migration'), Environment: environment });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Runtime: 'nodejs24.x', Environment: environment });
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"IntervalSeconds\\":15');
    expect(definition).toContain(`\\"MaxAttempts\\":${(31 * 60) / 15}`);
    expect(machine.Properties.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it('lets the starter run only this task definition family, in this cluster, and pass only its two roles to ECS', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(built.migration.startRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'ecs:RunTask',
            Effect: 'Allow',
            Resource: `arn:aws:ecs:eu-west-1:123456789012:task-definition/${built.migration.taskDefinition.family}:*`,
            Condition: { ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [built.stack.getLogicalId(built.migration.node.scope!.node.findChild('Cluster').node.defaultChild as CfnElement), 'Arn'] } } },
          },
          {
            Action: 'iam:PassRole',
            Effect: 'Allow',
            Resource: [
              { 'Fn::GetAtt': [id(built.migration.taskDefinition.obtainExecutionRole()), 'Arn'] },
              { 'Fn::GetAtt': [id(built.migration.taskDefinition.taskRole), 'Arn'] },
            ],
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  it('lets the checker describe, and stop, only this cluster\'s tasks', () => {
    const clusterArn = { 'Fn::GetAtt': [built.stack.getLogicalId(built.migration.node.scope!.node.findChild('Cluster').node.defaultChild as CfnElement), 'Arn'] };
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(built.migration.checkRole) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['ecs:DescribeTasks', 'ecs:StopTask'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', ['arn:aws:ecs:eu-west-1:123456789012:task/', { Ref: clusterArn['Fn::GetAtt'][0] }, '/*']] },
            Condition: { ArnEquals: { 'ecs:cluster': clusterArn } },
          },
        ]),
      },
    });
  });
});

describe('DatabaseMigration options', () => {
  it('takes the command, size, environment and timeout asked for', () => {
    const { stack } = build({ command: ['node', 'tools/migrate.js'], cpu: 512, memoryLimitMiB: 1024, environment: { MIGRATION_LOCK_TIMEOUT_MS: '30000' }, timeout: Duration.minutes(50) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      ContainerDefinitions: [
        Match.objectLike({
          Command: ['node', 'tools/migrate.js'],
          Environment: [{ Name: 'DB_SSL', Value: 'require' }, { Name: 'MIGRATION_ADVISORY_LOCK_WAIT_MS', Value: String(50 * 60_000 / 3) }, { Name: 'MIGRATION_LOCK_TIMEOUT_MS', Value: '30000' }],
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.isComplete', Environment: { Variables: { MIGRATION_TIMEOUT_SECONDS: '3000' } } });
    expect(JSON.stringify(Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties.DefinitionString)).toContain('\\"MaxAttempts\\":204');
  });

  it('lets the environment override the advisory lock wait', () => {
    const { stack } = build({ environment: { MIGRATION_ADVISORY_LOCK_WAIT_MS: '120000' } });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: [{ Name: 'DB_SSL', Value: 'require' }, { Name: 'MIGRATION_ADVISORY_LOCK_WAIT_MS', Value: '120000' }] })],
    });
  });

  it.each([
    [{ timeout: Duration.hours(3) }, 'DatabaseMigration: timeout must be between 15 seconds and 55 minutes, got 3 hours'],
    [{ timeout: Duration.seconds(5) }, 'DatabaseMigration: timeout must be between 15 seconds and 55 minutes, got 5 seconds'],
    // CloudFormation's hour for a custom resource, less a margin.
    [{ timeout: Duration.minutes(56) }, 'DatabaseMigration: timeout must be between 15 seconds and 55 minutes, got 56 minutes'],
    [{ command: [] }, 'DatabaseMigration: command must not be empty'],
    [{ user: 'root' }, 'DatabaseMigration: user must not be root, got "root"'],
    [{ user: '0:0' }, 'DatabaseMigration: user must not be root, got "0:0"'],
    [{ environment: { DB_PASSWORD: 'x' } }, 'DatabaseMigration: environment variable DB_PASSWORD looks like a secret'],
  ])('refuses %o, naming the prop', (props, message) => {
    expect(() => build(props)).toThrow(message);
  });
});
