import { RemovalPolicy, Token, type Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FARGATE_MAX_STOP_TIMEOUT, WEB_SERVICE_DEFAULTS as D } from './defaults';
import type { WebServiceProps } from './props';
import { DATABASE_SECRET_VARIABLES } from './task';

/** The props merged over {@link WEB_SERVICE_DEFAULTS}, validated. */
export interface ResolvedSettings {
  readonly containerPort: number;
  readonly databasePort: number;
  readonly targetHealthCheckPath: string;
  readonly livenessPath: string;
  readonly user: string;
  readonly readonlyRootFilesystem: boolean;
  /** One task-local volume per writable path. */
  readonly writableVolumes: { readonly name: string; readonly containerPath: string }[];
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly targetCpuUtilization: number;
  readonly targetRequestsPerTarget: number;
  readonly p99LatencyThresholdMs: number;
  readonly stopTimeout: Duration;
  readonly deregistrationDelay: Duration;
  readonly idleTimeout: Duration;
  readonly sslPolicy: elbv2.SslPolicy;
  readonly dualStack: boolean;
  readonly deletionProtection: boolean;
  readonly internetFacing: boolean;
  readonly loadBalancerSubnets: ec2.SubnetSelection;
  readonly taskSubnets: ec2.SubnetSelection;
  readonly accessLogs: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
  readonly accessLogRetentionDays: number;
  readonly allowAllOutbound: boolean;
  readonly enableExecuteCommand: boolean;
  readonly rollbackOnAlarm: boolean;
  readonly rollbackErrorRate: number;
  readonly rollbackMinRequestsPerMinute: number;
  readonly rollbackLatencyThresholdMs: number;
  readonly containerInsights: ecs.ContainerInsights;
  readonly environment: Record<string, string>;
  readonly targetProtocol: elbv2.ApplicationProtocol;
}

/** Merges props over WEB_SERVICE_DEFAULTS and validates them, naming the prop at fault. */
export function resolveProps(props: WebServiceProps): ResolvedSettings {
  const internetFacing = props.internetFacing ?? true;
  const s: ResolvedSettings = {
    containerPort: props.containerPort ?? D.containerPort,
    databasePort: props.databasePort ?? 5432,
    targetHealthCheckPath: props.targetHealthCheckPath ?? props.livenessPath ?? D.livenessPath,
    livenessPath: props.livenessPath ?? D.livenessPath,
    user: props.user ?? D.user,
    readonlyRootFilesystem: props.readonlyRootFilesystem ?? true,
    writableVolumes: (props.writablePaths ?? D.writablePaths).map((containerPath) => ({ containerPath, name: volumeName(containerPath) })),
    cpu: props.cpu ?? D.cpu,
    memoryLimitMiB: props.memoryLimitMiB ?? D.memoryLimitMiB,
    minTasks: props.minTasks ?? D.minTasks,
    maxTasks: props.maxTasks ?? D.maxTasks,
    targetCpuUtilization: props.targetCpuUtilization ?? D.targetCpuUtilization,
    targetRequestsPerTarget: props.targetRequestsPerTarget ?? D.targetRequestsPerTarget,
    p99LatencyThresholdMs: props.p99LatencyThresholdMs ?? D.p99LatencyThresholdMs,
    stopTimeout: props.stopTimeout ?? D.stopTimeout,
    deregistrationDelay: props.deregistrationDelay ?? D.deregistrationDelay,
    idleTimeout: props.idleTimeout ?? D.idleTimeout,
    sslPolicy: props.sslPolicy ?? D.sslPolicy,
    dualStack: props.dualStack ?? false,
    deletionProtection: props.deletionProtection ?? true,
    internetFacing,
    loadBalancerSubnets: props.loadBalancerSubnets ?? { subnetType: internetFacing ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS },
    taskSubnets: props.taskSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    accessLogs: props.accessLogs ?? true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    accessLogRetentionDays: props.accessLogRetentionDays ?? D.accessLogRetentionDays,
    allowAllOutbound: props.allowAllOutbound ?? false,
    enableExecuteCommand: props.enableExecuteCommand ?? false,
    rollbackOnAlarm: props.rollbackOnAlarm ?? true,
    rollbackErrorRate: props.rollbackErrorRate ?? 0.01,
    rollbackMinRequestsPerMinute: props.rollbackMinRequestsPerMinute ?? 60,
    rollbackLatencyThresholdMs: props.rollbackLatencyThresholdMs ?? 2 * (props.p99LatencyThresholdMs ?? D.p99LatencyThresholdMs),
    containerInsights: props.containerInsights ?? D.containerInsights,
    environment: {},
    targetProtocol: props.targetProtocol ?? elbv2.ApplicationProtocol.HTTP,
  };

  const problems: string[] = [];
  const integerIn = (name: string, value: number, min: number, max: number) => {
    if (!Token.isUnresolved(value) && !(Number.isInteger(value) && value >= min && value <= max)) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got ${value})`);
    }
  };
  integerIn('containerPort', s.containerPort, 1024, 65535);
  integerIn('databasePort', s.databasePort, 1, 65535);
  integerIn('minTasks', s.minTasks, 1, 1000);
  integerIn('maxTasks', s.maxTasks, 1, 1000);
  if (s.minTasks > s.maxTasks) problems.push(`minTasks (${s.minTasks}) must not exceed maxTasks (${s.maxTasks})`);
  integerIn('targetCpuUtilization', s.targetCpuUtilization, 1, 100);
  if (!(s.targetRequestsPerTarget > 0)) problems.push(`targetRequestsPerTarget must be greater than 0 (got ${s.targetRequestsPerTarget})`);
  if (!(s.rollbackLatencyThresholdMs > 0)) problems.push(`rollbackLatencyThresholdMs must be greater than 0 (got ${s.rollbackLatencyThresholdMs})`);
  if (!(s.p99LatencyThresholdMs > 0)) problems.push(`p99LatencyThresholdMs must be greater than 0 (got ${s.p99LatencyThresholdMs})`);
  integerIn('rollbackMinRequestsPerMinute', s.rollbackMinRequestsPerMinute, 1, 1_000_000);
  if (!(s.rollbackErrorRate > 0 && s.rollbackErrorRate < 1)) problems.push(`rollbackErrorRate must be between 0 and 1, exclusive (got ${s.rollbackErrorRate})`);
  integerIn('accessLogRetentionDays', s.accessLogRetentionDays, 1, 36500);
  const stopSeconds = s.stopTimeout.toSeconds();
  if (stopSeconds < 2 || stopSeconds > FARGATE_MAX_STOP_TIMEOUT.toSeconds()) {
    problems.push(`stopTimeout must be between 2 and ${FARGATE_MAX_STOP_TIMEOUT.toSeconds()} seconds on Fargate (got ${stopSeconds})`);
  }
  const drainSeconds = s.deregistrationDelay.toSeconds();
  if (drainSeconds < 0 || drainSeconds > 3600) problems.push(`deregistrationDelay must be between 0 and 3600 seconds (got ${drainSeconds})`);
  const idleSeconds = s.idleTimeout.toSeconds();
  if (idleSeconds < 1 || idleSeconds > 4000) problems.push(`idleTimeout must be between 1 and 4000 seconds (got ${idleSeconds})`);
  for (const [name, value] of [['targetHealthCheckPath', s.targetHealthCheckPath], ['livenessPath', s.livenessPath]] as const) {
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(value)) problems.push(`${name} must be an absolute URL path such as /healthz (got "${value}")`);
  }
  if (/^(0|root)(:|$)/.test(s.user)) problems.push(`user must not be root (got "${s.user}")`);
  const volumeNames = s.writableVolumes.map((volume) => volume.name);
  s.writableVolumes.forEach(({ containerPath, name }, index) => {
    if (!/^\/[A-Za-z0-9._\-/]*[A-Za-z0-9._-]$/.test(containerPath)) problems.push(`writablePaths[${index}] must be an absolute path below / such as /tmp (got "${containerPath}")`);
    else if (volumeNames.indexOf(name) !== index) problems.push(`writablePaths[${index}] "${containerPath}" repeats a path or its volume name "${name}"`);
  });
  if (!props.certificate && !(props.domainName && props.hostedZone)) {
    problems.push('certificate is required unless both domainName and hostedZone are given (the new certificate is validated by DNS in hostedZone)');
  }
  if (props.hostedZone && !props.domainName) problems.push('hostedZone needs domainName (the name of the alias record)');
  if (props.cluster && props.containerInsights !== undefined) problems.push('containerInsights applies to a new cluster only: set it on the cluster passed as cluster');
  if (props.databasePort !== undefined && props.database === undefined) problems.push('databasePort needs database (the resource whose security group opens that port)');

  const injected = props.databaseSecret ? Object.keys(DATABASE_SECRET_VARIABLES) : [];
  for (const name of Object.keys(props.environment ?? {})) {
    if (injected.includes(name)) problems.push(`environment.${name} conflicts with the variable injected from databaseSecret`);
    else if (/PASSWORD|SECRET|TOKEN|PRIVATE_KEY/i.test(name)) {
      problems.push(`environment.${name} looks like a secret: pass it as an ECS secret (container.addSecret), never as plain environment`);
    }
  }
  if (problems.length > 0) throw new Error(`Invalid WebService props:\n  - ${problems.join('\n  - ')}`);

  return {
    ...s,
    environment: {
      PORT: String(s.containerPort),
      ...(props.stage !== undefined ? { STAGE: props.stage } : {}),
      // The ALB is the one proxy in front of the app: it appends the client address to
      // X-Forwarded-For, and the app trusts exactly that hop.
      TRUSTED_PROXY_HOPS: '1',
      ...(props.databaseSecret ? { DB_SSL: 'require' } : {}),
      ...props.environment,
    },
  };
}

/** `/tmp` → `tmp`, `/var/cache/nginx` → `var-cache-nginx`: a volume name ECS accepts. */
function volumeName(containerPath: string): string {
  return containerPath.slice(1).replace(/[^A-Za-z0-9_-]/g, '-');
}
