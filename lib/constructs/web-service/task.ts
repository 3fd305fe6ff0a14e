import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Size } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { grantGuardDutyAgentPull } from '../internal/guardduty-fargate-agent';
import { createLogsEncryptionKey } from '../internal/logs-encryption-key';
import { grantDecryptViaSecretsManager, secretInThisStack } from '../internal/secret-reference';
import type { WebServiceProps } from './props';
import type { ResolvedSettings } from './settings';

/** Directory of the web app; its Dockerfile builds the default image (build context: app/ only). */
export const APP_DIRECTORY = path.join(__dirname, '..', '..', '..', 'app');

/**
 * Container variables filled from the database secret's JSON fields (the shape written by
 * RDS and the AuroraDatabase construct). They reach the task as ECS secrets, resolved by
 * the agent at start, and never appear in the task definition.
 */
export const DATABASE_SECRET_VARIABLES: Readonly<Record<string, string>> = {
  DB_HOST: 'host',
  DB_PORT: 'port',
  DB_USERNAME: 'username',
  DB_PASSWORD: 'password',
  DB_NAME: 'dbname',
};

/** The task definition, its app container and the container's log group. */
export interface WebTask {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly logGroup: logs.LogGroup;
}

/**
 * An ARM64 Fargate task with one app container: non-root, every capability dropped, an
 * init process, a read-only root filesystem with task-local volumes for the writable
 * paths, database credentials as ECS secrets, logs to an encrypted log group.
 */
export function createTask(scope: Construct, props: WebServiceProps, settings: ResolvedSettings): WebTask {
  const logEncryptionKey = props.logEncryptionKey ?? createLogsEncryptionKey(scope, 'LogKey', 'Encrypts the web service container logs', settings.removalPolicy);
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: settings.logRetention,
    encryptionKey: logEncryptionKey,
    removalPolicy: settings.removalPolicy,
  });

  const writableVolumes = settings.writableVolumes;
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'Task', {
    cpu: settings.cpu,
    memoryLimitMiB: settings.memoryLimitMiB,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    volumes: writableVolumes.map(({ name }) => ({ name })),
  });

  const databaseSecret = props.databaseSecret && secretInThisStack(scope, props.databaseSecret, 'DatabaseSecret');
  // The app re-reads the password after a rotation (see `databaseSecret`).
  databaseSecret?.grantRead(taskDefinition.taskRole);

  const linuxParameters = new ecs.LinuxParameters(scope, 'LinuxParameters', {
    // A tiny init as PID 1 forwards SIGTERM to the app and reaps zombies.
    initProcessEnabled: true,
  });
  linuxParameters.dropCapabilities(ecs.Capability.ALL);

  const container = taskDefinition.addContainer('App', {
    image: props.image ?? defaultImage(),
    essential: true,
    user: settings.user,
    readonlyRootFilesystem: settings.readonlyRootFilesystem,
    linuxParameters,
    portMappings: [{ containerPort: settings.containerPort, name: 'http', protocol: ecs.Protocol.TCP }],
    environment: { ...settings.environment, ...(databaseSecret ? { DB_SECRET_ARN: databaseSecret.secretArn } : {}) },
    secrets: databaseSecrets(databaseSecret),
    stopTimeout: settings.stopTimeout,
    healthCheck: containerHealthCheck(props, settings),
    logging: ecs.LogDrivers.awsLogs({
      logGroup,
      streamPrefix: 'app',
      // A CloudWatch Logs slowdown must not block the event loop (a blocked stdout write
      // would stall every request); the 25 MiB buffer absorbs bursts.
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    }),
  });
  container.addMountPoints(...writableVolumes.map(({ name, containerPath }) => ({ sourceVolume: name, containerPath, readOnly: false })));
  if (databaseSecret?.encryptionKey) {
    // ECS (execution role) injects the DB_* variables and the app (task role) re-reads the
    // secret after a rotation: both need the secret's key as well as the secret.
    for (const role of [taskDefinition.obtainExecutionRole(), taskDefinition.taskRole]) {
      grantDecryptViaSecretsManager(databaseSecret.encryptionKey, role);
    }
  }
  grantGuardDutyAgentPull(taskDefinition);
  suppressTaskRoleFindings(taskDefinition);
  return { taskDefinition, container, logGroup };
}

/** This repository's app, built from app/Dockerfile; the installed package has no app/. */
export function defaultImage(): ecs.ContainerImage {
  if (!existsSync(path.join(APP_DIRECTORY, 'Dockerfile'))) {
    throw new Error('WebService: pass `image` (e.g. ecs.ContainerImage.fromRegistry or fromAsset): the default image is the Bulwark repository\'s own app, which the package does not ship');
  }
  return ecs.ContainerImage.fromAsset(APP_DIRECTORY, { platform: Platform.LINUX_ARM64 });
}

/**
 * The props' health check; else, for the default image only, a liveness probe run by the
 * image's own node (it has no curl or wget). Another image gets none: nothing is known
 * about the tools inside it, and the ALB target health check still replaces a dead task.
 */
function containerHealthCheck(props: WebServiceProps, settings: ResolvedSettings): ecs.HealthCheck | undefined {
  if (props.containerHealthCheck) return props.containerHealthCheck;
  if (props.image) return undefined;
  return {
    command: ['CMD', 'node', '-e', livenessProbe(settings.containerPort, settings.livenessPath, settings.targetProtocol === elbv2.ApplicationProtocol.HTTPS)],
    interval: Duration.seconds(15),
    timeout: Duration.seconds(5),
    retries: 3,
    startPeriod: Duration.seconds(30),
  };
}

/**
 * A one-line node program: exit 0 when GET <path> answers 200 within 2 s, else 1. Uses
 * the http(s) module rather than fetch so it works on every Node.js the image may carry;
 * over HTTPS it accepts the app's self-signed certificate (it asks 127.0.0.1 itself).
 */
function livenessProbe(port: number, livenessPath: string, https: boolean): string {
  return (
    `require('${https ? 'https' : 'http'}').get({host:'127.0.0.1',port:${port},path:'${livenessPath}',timeout:2000${https ? ',rejectUnauthorized:false' : ''}},` +
    `r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))`
  );
}

function databaseSecrets(secret: secretsmanager.ISecret | undefined): Record<string, ecs.Secret> | undefined {
  if (!secret) return undefined;
  return Object.fromEntries(
    Object.entries(DATABASE_SECRET_VARIABLES).map(([variable, field]) => [variable, ecs.Secret.fromSecretsManager(secret, field)]),
  );
}

function suppressTaskRoleFindings(taskDefinition: ecs.FargateTaskDefinition): void {
  NagSuppressions.addResourceSuppressions(
    taskDefinition.obtainExecutionRole(),
    [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'ecr:GetAuthorizationToken has no resource-level permissions and must be granted on "*"; image pulls, log writes and the secret read are scoped to the one repository, log group and secret.',
        appliesTo: ['Resource::*'],
      },
    ],
    true,
  );
  NagSuppressions.addResourceSuppressions(taskDefinition, [
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'The environment holds only non-secret settings (port, stage, pool size, rate limits, metric namespace); database credentials are injected as ECS secrets from Secrets Manager, and the construct refuses secret-looking variable names in `environment`.',
    },
  ]);
}
