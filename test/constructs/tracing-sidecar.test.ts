import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADOT_COLLECTOR_IMAGE, TracingSidecar, collectorConfig } from '../../lib/constructs/tracing-sidecar';
import { applyNag, expectNoNagFindings } from '../support/nag';

function sidecarStack(sampleRate = 0.05) {
  const stack = new Stack(new App(), 'Service', { env: { account: '123456789012', region: 'eu-west-1' } });
  applyNag(stack);
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
  const logGroup = new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
  const appContainer = taskDefinition.addContainer('App', {
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-alpine'),
    readonlyRootFilesystem: true,
    logging: ecs.LogDrivers.awsLogs({ logGroup, streamPrefix: 'app' }),
  });
  const sidecar = new TracingSidecar(stack, 'Tracing', { taskDefinition, appContainer, serviceName: 'bulwark-test', sampleRate, logGroup });
  return { stack, sidecar };
}

describe('TracingSidecar', () => {
  let stack: Stack;
  let template: Template;
  let containers: Array<Record<string, any>>;
  beforeAll(() => {
    ({ stack } = sidecarStack());
    template = Template.fromStack(stack);
    containers = Object.values(template.findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions;
  });
  const container = (name: string) => containers.find((c) => c.Name === name)!;

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('runs the pinned ADOT collector, not essential, read-only, non-root, with reserved memory and CPU', () => {
    expect(ADOT_COLLECTOR_IMAGE).toMatch(/^public\.ecr\.aws\/aws-observability\/aws-otel-collector:v\d+\.\d+\.\d+$/);
    const collector = container('otel-collector');
    expect(collector).toMatchObject({
      Image: ADOT_COLLECTOR_IMAGE,
      Essential: false,
      ReadonlyRootFilesystem: true,
      User: '10001',
      Cpu: 128,
      Memory: 256,
      MemoryReservation: 256,
      HealthCheck: expect.objectContaining({ Command: ['CMD', '/healthcheck'] }),
      LogConfiguration: expect.objectContaining({ LogDriver: 'awslogs' }),
    });
    expect(collector.LogConfiguration.Options['awslogs-stream-prefix']).toBe('otel-collector');
  });

  it('configures OTLP on loopback 4317/4318 into X-Ray, through the environment', () => {
    const env = Object.fromEntries(container('otel-collector').Environment.map((e: any) => [e.Name, e.Value]));
    expect(env.AOT_CONFIG_CONTENT).toBe(collectorConfig('eu-west-1'));
    const config = parse(env.AOT_CONFIG_CONTENT);
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '127.0.0.1:4317' }, http: { endpoint: '127.0.0.1:4318' } });
    expect(config.exporters).toEqual({ awsxray: { region: 'eu-west-1' } });
    expect(config.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch/traces'], exporters: ['awsxray'] });
    expect(config.extensions.health_check.endpoint).toBe('127.0.0.1:13133');
  });

  it('points the app at the collector, names the service and passes the sample rate', () => {
    const app = container('App');
    expect(app.Environment).toEqual(
      expect.arrayContaining([
        { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://127.0.0.1:4318' },
        { Name: 'OTEL_SERVICE_NAME', Value: 'bulwark-test' },
        { Name: 'TRACE_SAMPLE_RATE', Value: '0.05' },
      ]),
    );
    expect(app.DependsOn).toEqual([{ ContainerName: 'otel-collector', Condition: 'START' }]);
  });

  it('lets the task role send traces to X-Ray and nothing else', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^TaskTaskRole') }],
      PolicyDocument: {
        Statement: [
          {
            Sid: 'SendTracesToXRay',
            Effect: 'Allow',
            Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:GetSamplingStatisticSummaries'],
            Resource: '*',
          },
        ],
      },
    });
  });

  it('refuses a sample rate outside 0..1', () => {
    expect(() => sidecarStack(1.5)).toThrow(/sampleRate must be between 0 and 1/);
  });
});
