import { Arn, ArnFormat, CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import { Construct, type IConstruct } from 'constructs';
import { MIGRATION_RESOURCE_PROPERTIES as P } from '../../lambda/migration-runner/properties';
import { TIMEOUT_VARIABLE } from '../../lambda/migration-runner/timeout';
import { BundledFunction, lambdaBundle } from './internal/bundled-function';
import { grantGuardDutyAgentPull } from './internal/guardduty-fargate-agent';
import { createLogsEncryptionKey } from './internal/logs-encryption-key';
import { grantDecryptViaSecretsManager, secretInThisStack } from './internal/secret-reference';

/**
 * Container variables of the migration task, and the secret field each comes from: the
 * owner's (master) secret gives the connection and the login migrations run as; the
 * runtime secret gives the role the step creates, sets the password of and grants DML.
 */
export const MIGRATION_SECRET_VARIABLES = {
  owner: { DB_HOST: 'host', DB_PORT: 'port', DB_NAME: 'dbname', DB_MIGRATION_USERNAME: 'username', DB_MIGRATION_PASSWORD: 'password' },
  runtime: { DB_USERNAME: 'username', DB_PASSWORD: 'password' },
} as const;

/** Name of the migration container; its log stream is `<logStreamPrefix>/Migrate/<task id>`. */
export const MIGRATION_CONTAINER_NAME = 'Migrate';
const LOG_STREAM_PREFIX = 'migrate';
/** Fargate CPU units of the migration task unless `cpu` says otherwise (the quota budget counts it). */
export const DEFAULT_MIGRATION_TASK_CPU = 256;
const POLL_INTERVAL = Duration.seconds(15);
// CloudFormation waits at most an hour for a custom resource (ServiceTimeout 1..3600 s); a
// longer wait would end in CloudFormation's own timeout while the task keeps running.
const MAX_TIMEOUT = Duration.minutes(55);
// The checker keeps `timeout` itself, stopping the task as it gives up; the provider
// framework's own limit (which cannot stop anything) only backs it up, four polls later.
const PROVIDER_TIMEOUT_MARGIN = Duration.minutes(1);
/**
 * The app's variable for its longest wait on the migration advisory lock (app/src/config.ts):
 * a third of `timeout`, so a migration stuck behind another holder fails with its own
 * message well before the runner gives up on it.
 */
const ADVISORY_LOCK_WAIT_VARIABLE = 'MIGRATION_ADVISORY_LOCK_WAIT_MS';

/** Props of {@link DatabaseMigration}. */
export interface DatabaseMigrationProps {
  /** Cluster the one-off task runs in (the service's). */
  readonly cluster: ecs.ICluster;
  /** The app's image: the same one the service runs, so code and schema change together. */
  readonly image: ecs.ContainerImage;
  /**
   * What the container runs: applies migrations and exits 0, or exits non-zero.
   * @default ['node', 'migrate.js'] (the project's app image)
   */
  readonly command?: string[];
  /**
   * Credentials of the role that owns the schema (JSON fields host, port, dbname,
   * username, password: the Aurora master secret). Only this task definition gets them.
   */
  readonly ownerSecret: secretsmanager.ISecret;
  /**
   * Credentials of the runtime role (JSON fields username, password): the step creates the
   * role, sets its password from this secret and grants it DML only.
   */
  readonly runtimeSecret: secretsmanager.ISecret;
  /** The database; its security group gets an ingress rule from the migration task on `databasePort`. */
  readonly database: ec2.IConnectable;
  /**
   * Port of `database`.
   * @default 5432
   */
  readonly databasePort?: number;
  /**
   * Subnets of the task (it gets no public IP).
   * @default - the cluster VPC's private subnets with egress (`ec2.SubnetType.PRIVATE_WITH_EGRESS`)
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Extra container variables, merged over DB_SSL=require and MIGRATION_ADVISORY_LOCK_WAIT_MS
   * (a third of `timeout`). Never secrets: they are readable in the task definition.
   * @default - DB_SSL=require and MIGRATION_ADVISORY_LOCK_WAIT_MS only
   */
  readonly environment?: Record<string, string>;
  /**
   * User the container runs as; never root.
   * @default '1000' (the `node` user of the official Node.js images)
   */
  readonly user?: string;
  /**
   * Fargate CPU units of the task.
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Memory of the task in MiB.
   * @default 512
   */
  readonly memoryLimitMiB?: number;
  /**
   * Longest the deploy waits for the migration (polling every 15 s) before it stops the task
   * and fails, at most 55 minutes (CloudFormation waits at most an hour for a custom
   * resource). An index build on a large table takes a while: leave room for it, or build it
   * outside the deploy.
   * @default Duration.minutes(30)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the migration task's and the runner functions' logs.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key encrypting those logs.
   * @default - a new rotating key
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the task's log group (and its new key) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Applies the database migrations once per deploy, before the service rolls: a custom
 * resource (provider framework) runs a one-off Fargate task with the app's image and the
 * migration command, waits until it exits 0 and fails the deploy otherwise, with the exit
 * code, stop reason and log stream in the stack's events. It runs again whenever the task
 * definition changes (a new image). Call {@link DatabaseMigration.runsBefore} with the
 * service so no task of a new version starts before its schema is there.
 *
 * The owner (master) credentials reach this task definition only; the start function may
 * run only this task definition family in this cluster, and pass only its two roles.
 */
export class DatabaseMigration extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;
  /** Starts the task (the provider's onEvent handler). */
  readonly startFunction: lambda.Function;
  /** Polls the task until it stops, and stops it when it gives up (the provider's isComplete handler). */
  readonly checkFunction: lambda.Function;
  /** Role of `startFunction`: RunTask on this family in this cluster, PassRole of the task's two roles. */
  readonly startRole: iam.Role;
  /** Role of `checkFunction`: DescribeTasks and StopTask in this cluster. */
  readonly checkRole: iam.Role;
  readonly provider: cr.Provider;
  /** The custom resource; make the service depend on it (see `runsBefore`). */
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: DatabaseMigrationProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.minutes(30);
    validateProps(props, timeout);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const logEncryptionKey = props.logEncryptionKey ?? createLogsEncryptionKey(this, 'LogKey', 'Encrypts the database migration logs', props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logRetention, encryptionKey: logEncryptionKey, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? DEFAULT_MIGRATION_TASK_CPU,
      memoryLimitMiB: props.memoryLimitMiB ?? 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const ownerSecret = secretInThisStack(this, props.ownerSecret, 'OwnerSecret');
    const runtimeSecret = secretInThisStack(this, props.runtimeSecret, 'RuntimeSecret');
    const linuxParameters = new ecs.LinuxParameters(this, 'LinuxParameters', { initProcessEnabled: true });
    linuxParameters.dropCapabilities(ecs.Capability.ALL);
    this.container = this.taskDefinition.addContainer(MIGRATION_CONTAINER_NAME, {
      image: props.image,
      command: props.command ?? ['node', 'migrate.js'],
      essential: true,
      user: props.user ?? '1000',
      readonlyRootFilesystem: true,
      linuxParameters,
      environment: { DB_SSL: 'require', [ADVISORY_LOCK_WAIT_VARIABLE]: String(Math.floor(timeout.toMilliseconds() / 3)), ...props.environment },
      secrets: {
        ...secretVariables(ownerSecret, MIGRATION_SECRET_VARIABLES.owner),
        ...secretVariables(runtimeSecret, MIGRATION_SECRET_VARIABLES.runtime),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: LOG_STREAM_PREFIX }),
    });
    // The secret grants above (through ecs.Secret) cover the secrets; their keys need the
    // execution role's own policy when they live in another stack (see secret-reference.ts).
    for (const key of new Set([ownerSecret.encryptionKey, runtimeSecret.encryptionKey].filter((k): k is kms.IKey => k !== undefined))) {
      grantDecryptViaSecretsManager(key, this.taskDefinition.obtainExecutionRole());
    }
    grantGuardDutyAgentPull(this.taskDefinition);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.cluster.vpc,
      description: 'Database migration task: out to the database and to AWS APIs over HTTPS only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to AWS APIs (ECR, Secrets Manager, CloudWatch Logs)');
    // allowTo keeps the database's ingress rule in this stack (see web-service/service.ts).
    this.securityGroup.connections.allowTo(props.database, ec2.Port.tcp(props.databasePort ?? 5432), 'Database migration task to the database');

    const functionDefaults = { code: lambdaBundle('migration-runner'), logRetention, logEncryptionKey, environment: { [TIMEOUT_VARIABLE]: String(timeout.toSeconds()) }, retryAttempts: 0 };
    const starter = new BundledFunction(this, 'Start', { ...functionDefaults, handler: 'index.handler', description: 'Starts the one-off database migration task of a deploy' });
    const checker = new BundledFunction(this, 'Check', { ...functionDefaults, handler: 'index.isComplete', description: 'Reports whether the deploy\'s database migration task has exited 0' });
    [this.startFunction, this.startRole, this.checkFunction, this.checkRole] = [starter.function, starter.role, checker.function, checker.role];
    this.grantRunTask(props.cluster);
    this.grantDescribeAndStopTasks(props.cluster);

    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.startFunction,
      isCompleteHandler: this.checkFunction,
      queryInterval: POLL_INTERVAL,
      totalTimeout: timeout.plus(PROVIDER_TIMEOUT_MARGIN),
      logGroup: this.logGroup,
      disableWaiterStateMachineLogging: false,
      waiterStateMachineLogOptions: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    const subnetIds = props.cluster.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds;
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::DatabaseMigration',
      properties: {
        // A new image is a new task definition revision: CloudFormation sends an Update and
        // the migration runs again.
        [P.taskDefinitionArn]: this.taskDefinition.taskDefinitionArn,
        [P.clusterArn]: props.cluster.clusterArn,
        [P.containerName]: MIGRATION_CONTAINER_NAME,
        [P.subnetIds]: subnetIds,
        [P.securityGroupIds]: [this.securityGroup.securityGroupId],
        [P.logStreamPrefix]: LOG_STREAM_PREFIX,
      },
    });
    // The task may start only once it can pull its image and secrets and reach the database:
    // the execution role's policy and the security group's rules are created first.
    this.resource.node.addDependency(this.securityGroup, this.taskDefinition.obtainExecutionRole());
    this.suppressExplainedFindings();
  }

  /** Makes `dependent` (the service) wait for this deploy's migration, and fail with it. */
  runsBefore(dependent: IConstruct): void {
    dependent.node.addDependency(this.resource);
  }

  /**
   * RunTask on this task definition family only (any revision: a rollback runs the previous
   * one), in this cluster only; PassRole on its two roles only, to ECS tasks only.
   */
  private grantRunTask(cluster: ecs.ICluster): void {
    const stack = Stack.of(this);
    const family = Arn.format({ service: 'ecs', resource: 'task-definition', resourceName: `${this.taskDefinition.family}:*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, stack);
    const role = this.startRole;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:RunTask'], resources: [family], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskDefinition.taskRole.roleArn, this.taskDefinition.obtainExecutionRole().roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
  }

  /**
   * DescribeTasks and StopTask on this cluster's tasks only (by ARN and by the ecs:cluster
   * condition key, which the Service Authorization Reference lists for both actions). The
   * checker stops the task it was waiting for when it gives up on it.
   */
  private grantDescribeAndStopTasks(cluster: ecs.ICluster): void {
    const tasks = Arn.format({ service: 'ecs', resource: 'task', resourceName: `${cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }, Stack.of(this));
    this.checkRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:DescribeTasks', 'ecs:StopTask'], resources: [tasks], conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } } }),
    );
  }

  private suppressExplainedFindings(): void {
    const functionBasics = {
      reason: 'Log streams are created at run time with unpredictable names, so the grant is on the streams of the function\'s own log group only; X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions.',
      appliesTo: ['Resource::*', { regex: '/^Resource::<.*LogGroup.*\\.Arn>:log-stream:\\*$/g' }],
    };
    NagSuppressions.addResourceSuppressions(this.startRole, [
      { id: 'AwsSolutions-IAM5', reason: functionBasics.reason, appliesTo: functionBasics.appliesTo },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ecs:RunTask is scoped to the migration task definition family (any revision, so a rollback can run the previous one) and conditioned on the one cluster; no other task definition can be run.',
        appliesTo: [{ regex: '/^Resource::arn:(<AWS::Partition>|[^:]+):ecs:(<AWS::Region>|[^:]+):(<AWS::AccountId>|[^:]+):task-definition\\/.+:\\*$/g' }],
      },
    ], true);
    NagSuppressions.addResourceSuppressions(this.checkRole, [
      { id: 'AwsSolutions-IAM5', reason: functionBasics.reason, appliesTo: functionBasics.appliesTo },
      {
        id: 'AwsSolutions-IAM5',
        reason: 'A task ARN is known only once RunTask returns it; ecs:DescribeTasks and ecs:StopTask are scoped to the tasks of the one cluster (by ARN and the ecs:cluster condition). The function stops only the migration task it was waiting for, when it gives up on it.',
        appliesTo: [{ regex: '/^Resource::arn:(<AWS::Partition>|[^:]+):ecs:(<AWS::Region>|[^:]+):(<AWS::AccountId>|[^:]+):task\\/.+\\/\\*$/g' }],
      },
    ], true);
    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      { id: 'AwsSolutions-ECS2', reason: 'The environment holds DB_SSL and other non-secret settings only; every credential is injected from Secrets Manager as an ECS secret.' },
    ]);
    NagSuppressions.addResourceSuppressions(this.taskDefinition.obtainExecutionRole(), [
      {
        id: 'AwsSolutions-IAM5',
        reason: 'ecr:GetAuthorizationToken has no resource-level permissions and must be granted on "*"; image pulls, log writes and the two secret reads are scoped to the one repository, log group and secrets.',
        appliesTo: ['Resource::*'],
      },
    ], true);
    // The provider framework's own functions and state machine are CDK's.
    NagSuppressions.addResourceSuppressions(this.provider, [
      { id: 'AwsSolutions-IAM4', reason: 'CDK\'s provider framework functions write their logs through AWSLambdaBasicExecutionRole; they run only during deployments and may otherwise only invoke this construct\'s two functions.', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'] },
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'CDK\'s provider framework invokes this construct\'s two functions by ARN and any of their versions (the ":*" suffix), and its state machine its own framework functions the same way; the state machine\'s log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups ...) has no resource-level permissions and must be granted on "*".',
        appliesTo: ['Resource::*', { regex: '/^Resource::<.+\\.Arn>:\\*$/g' }],
      },
      { id: 'AwsSolutions-SF2', reason: 'The waiter state machine is CDK\'s provider framework, which offers no X-Ray option; its executions log to the migration log group (level ALL, without execution data).' },
    ], true);
  }
}

function secretVariables(secret: secretsmanager.ISecret, fields: Readonly<Record<string, string>>): Record<string, ecs.Secret> {
  return Object.fromEntries(Object.entries(fields).map(([variable, field]) => [variable, ecs.Secret.fromSecretsManager(secret, field)]));
}

function validateProps(props: DatabaseMigrationProps, timeout: Duration): void {
  if (timeout.toSeconds() < POLL_INTERVAL.toSeconds() || timeout.toSeconds() > MAX_TIMEOUT.toSeconds()) {
    throw new Error(`DatabaseMigration: timeout must be between 15 seconds and 55 minutes, got ${timeout.toHumanString()}`);
  }
  if (props.command !== undefined && props.command.length === 0) throw new Error('DatabaseMigration: command must not be empty');
  const user = props.user ?? '1000';
  if (/^(0|root)(:|$)/.test(user)) throw new Error(`DatabaseMigration: user must not be root, got "${user}"`);
  for (const name of Object.keys(props.environment ?? {})) {
    if (/PASSWORD|SECRET|TOKEN|KEY/i.test(name)) throw new Error(`DatabaseMigration: environment variable ${name} looks like a secret; pass credentials as ownerSecret/runtimeSecret`);
  }
}
