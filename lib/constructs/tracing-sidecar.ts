import { Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/** The AWS Distro for OpenTelemetry collector image, pinned: a new collector is a reviewed change. */
export const ADOT_COLLECTOR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0';

/** Ports of the collector's OTLP receiver on the task's loopback interface. */
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
/** The collector's health_check extension, which the image's /healthcheck binary asks. */
const HEALTH_CHECK_PORT = 13133;

/**
 * The collector's configuration: OTLP in on 127.0.0.1 only (containers of a Fargate task
 * share the loopback interface, so nothing outside the task can send spans), batched,
 * capped in memory, out to X-Ray. The image's bundled ECS config also starts StatsD, an
 * X-Ray UDP receiver and an EMF pipeline on 0.0.0.0; this one opens nothing that is not used.
 */
export function collectorConfig(region: string): string {
  return `extensions:
  health_check:
    endpoint: 127.0.0.1:${HEALTH_CHECK_PORT}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${OTLP_GRPC_PORT}
      http:
        endpoint: 127.0.0.1:${OTLP_HTTP_PORT}
processors:
  memory_limiter:
    check_interval: 1s
    limit_percentage: 80
    spike_limit_percentage: 20
  batch/traces:
    timeout: 1s
    send_batch_size: 50
exporters:
  awsxray:
    region: ${region}
service:
  extensions: [health_check]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch/traces]
      exporters: [awsxray]
`;
}

export interface TracingSidecarProps {
  /** The task definition the collector joins. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The app container: it gets the OTLP endpoint variables and starts after the collector. */
  readonly appContainer: ecs.ContainerDefinition;
  /** Value of OTEL_SERVICE_NAME: the service's name in X-Ray. */
  readonly serviceName: string;
  /** Share of requests traced (0..1), passed to the app as TRACE_SAMPLE_RATE. */
  readonly sampleRate: number;
  /** Log group of the collector's own logs (the app's is fine: streams are prefixed `otel-collector`). */
  readonly logGroup: logs.ILogGroup;
  /**
   * The collector image.
   * @default ecs.ContainerImage.fromRegistry(ADOT_COLLECTOR_IMAGE)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * CPU units reserved for the collector (out of the task's).
   * @default 128
   */
  readonly cpu?: number;
  /**
   * Memory reserved for the collector, MiB. It is also the hard limit: the memory limiter
   * drops spans at 80 % of it rather than let the collector take the app's memory.
   * @default 256
   */
  readonly memoryLimitMiB?: number;
}

/**
 * Adds an AWS Distro for OpenTelemetry collector to a Fargate task as a sidecar: the app
 * sends spans over OTLP/HTTP to 127.0.0.1:4318, the collector batches them and exports
 * them to X-Ray with the task role.
 *
 * The collector is not essential: when it dies the task keeps serving and only traces
 * stop (the app's exporter drops spans it cannot send), instead of every task restarting
 * because tracing failed. For the same reason the app waits only for the collector to
 * START, not to be HEALTHY: a collector that never becomes healthy must not keep the app
 * from starting. Its health check still shows in the console and the task's metadata.
 */
export class TracingSidecar extends Construct {
  readonly container: ecs.ContainerDefinition;

  constructor(scope: Construct, id: string, props: TracingSidecarProps) {
    super(scope, id);
    if (!(props.sampleRate >= 0 && props.sampleRate <= 1)) throw new Error(`sampleRate must be between 0 and 1 (got ${props.sampleRate})`);
    if (!/^[\w.-]{1,255}$/.test(props.serviceName)) throw new Error(`serviceName must be letters, digits, "_", "-" or "." (got "${props.serviceName}")`);
    const memoryLimitMiB = props.memoryLimitMiB ?? 256;
    if (!(Number.isInteger(memoryLimitMiB) && memoryLimitMiB >= 64)) throw new Error(`memoryLimitMiB must be an integer of at least 64 (got ${memoryLimitMiB})`);
    const stack = Stack.of(this);

    this.container = props.taskDefinition.addContainer('OtelCollector', {
      containerName: 'otel-collector',
      image: props.image ?? ecs.ContainerImage.fromRegistry(ADOT_COLLECTOR_IMAGE),
      essential: false,
      // The collector writes nothing to disk: exporters retry from memory.
      readonlyRootFilesystem: true,
      // The image's non-root "aoc" user (UID 10001).
      user: '10001',
      cpu: props.cpu ?? 128,
      memoryLimitMiB,
      memoryReservationMiB: memoryLimitMiB,
      environment: { AOT_CONFIG_CONTENT: collectorConfig(stack.region) },
      healthCheck: {
        command: ['CMD', '/healthcheck'],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(10),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'otel-collector', mode: ecs.AwsLogDriverMode.NON_BLOCKING }),
    });

    props.appContainer.addEnvironment('OTEL_EXPORTER_OTLP_ENDPOINT', `http://127.0.0.1:${OTLP_HTTP_PORT}`);
    props.appContainer.addEnvironment('OTEL_SERVICE_NAME', props.serviceName);
    props.appContainer.addEnvironment('TRACE_SAMPLE_RATE', String(props.sampleRate));
    props.appContainer.addContainerDependencies({ container: this.container, condition: ecs.ContainerDependencyCondition.START });

    const taskRole = props.taskDefinition.taskRole;
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendTracesToXRay',
        actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
        resources: ['*'],
      }),
    );
    NagSuppressions.addResourceSuppressions(props.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The collector sidecar adds only non-secret settings as environment: its OTLP/X-Ray pipeline configuration (AOT_CONFIG_CONTENT) and, on the app container, the loopback OTLP endpoint, service name and sample rate.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      taskRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'X-Ray trace submission and sampling (PutTraceSegments, PutTelemetryRecords, GetSampling*) have no resource-level permissions; AWS documents "*" as the only resource for them.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
