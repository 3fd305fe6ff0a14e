import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoadTest, type LoadTestProps } from '../../lib/constructs/load-test';
import { Network } from '../../lib/constructs/network';
import { applyNag, expectNoNagFindings } from '../support/nag';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim');

function loadTestStack(props: Partial<LoadTestProps> = {}, withNag = true) {
  const stack = new Stack(new App(), 'LoadTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  if (withNag) applyNag(stack);
  const { vpc } = new Network(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 2 });
  const loadTest = new LoadTest(stack, 'LoadTest', {
    vpc,
    targetUrl: 'https://api.example.com',
    perUserLimitPerMinute: 600,
    image: IMAGE,
    allowList: { name: 'bulwark-prod-allow-ipv4', id: 'abc-123', arn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/bulwark-prod-allow-ipv4/abc-123', egressCidrs: ['192.0.2.10/32', '192.0.2.11/32'] },
    ...props,
  });
  return { stack, loadTest, vpc };
}

/** The state machine's definition as an object (CDK renders it as Fn::Join of strings and tokens). */
function definitionOf(template: Template): Record<string, any> {
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const parts = machine.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : `TOKEN`)).join(''));
}

describe('LoadTest', () => {
  let stack: Stack;
  let template: Template;
  let definition: Record<string, any>;
  beforeAll(() => {
    ({ stack } = loadTestStack());
    template = Template.fromStack(stack);
    definition = definitionOf(template);
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(stack);
  });

  it('opens the allow list, runs the steps one by one with every worker of a step in parallel, then closes it', () => {
    expect(definition.StartAt).toBe('OpenAllowListReadLockToken');
    const steps = definition.States.RunSteps;
    expect(steps).toMatchObject({ Type: 'Map', ItemsPath: '$.steps', MaxConcurrency: 1, Next: 'CloseAllowListReadLockToken' });
    const workers = steps.ItemProcessor.States.RunWorkers;
    expect(workers).toMatchObject({ Type: 'Map', ItemsPath: '$.step.workers', MaxConcurrency: 10 });
    const run = workers.ItemProcessor.States.RunWorker;
    expect(run.Resource).toMatch(/:states:::ecs:runTask\.sync$/);
    expect(run.TimeoutSecondsPath).toBe('$.timeoutSeconds');
    expect(run.Parameters.LaunchType).toBe('FARGATE');
    // No public address (ECS's default when AssignPublicIp is absent): traffic leaves through NAT.
    expect(run.Parameters.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp ?? 'DISABLED').toBe('DISABLED');
    expect(run.Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets).toHaveLength(2);
    const env = run.Parameters.Overrides.ContainerOverrides[0].Environment.map((e: { Name: string }) => e.Name);
    expect(env).toEqual(['RUN_ID', 'STEP', 'WORKER_ID', 'RATE', 'DURATION_SECONDS']);
  });

  it('puts the workers\' egress addresses into the allow list for the run and restores it, also after a failure', () => {
    const open = definition.States.OpenAllowListUpdate;
    expect(open.Resource).toMatch(/:states:::aws-sdk:wafv2:updateIPSet$/);
    expect(open.Parameters).toMatchObject({ Name: 'bulwark-prod-allow-ipv4', Scope: 'REGIONAL', Id: 'abc-123', Addresses: ['192.0.2.10/32', '192.0.2.11/32'] });
    expect(definition.States.CloseAllowListUpdate.Parameters.Addresses).toEqual([]);
    const [catcher] = definition.States.RunSteps.Catch;
    expect(catcher).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'CloseAllowListAfterFailureReadLockToken' });
    expect(definition.States.CloseAllowListAfterFailureUpdate).toMatchObject({ Next: 'RunFailed', Parameters: { Addresses: [] } });
  });

  it('lets the state machine change only that IP set, and run only its own task definition', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes('StateMachineRole'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const waf = statements.filter((s) => JSON.stringify(s.Action).includes('wafv2'));
    expect(new Set(waf.flatMap((s) => s.Action))).toEqual(new Set(['wafv2:GetIPSet', 'wafv2:UpdateIPSet']));
    for (const statement of waf) expect([statement.Resource].flat()).toEqual(['arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/bulwark-prod-allow-ipv4/abc-123']);
    const runTask = statements.find((s) => s.Action === 'ecs:RunTask');
    expect(JSON.stringify(runTask?.Resource)).toMatch(/LoadTestTask/);
  });

  it('lets the workers put results in the bucket and nothing else', () => {
    const taskRolePolicy = Object.values(template.findResources('AWS::IAM::Policy')).find((policy) => JSON.stringify(policy.Properties.Roles).includes('TaskTaskRole'));
    const buckets = Object.keys(template.findResources('AWS::S3::Bucket'));
    expect(buckets).toEqual([expect.stringMatching(/^LoadTestResults/)]);
    const [resultsBucket] = buckets;
    expect(taskRolePolicy!.Properties.PolicyDocument.Statement).toEqual([
      { Action: 's3:PutObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [resultsBucket, 'Arn'] }, '/*']] } },
    ]);
  });

  it('keeps results in an encrypted, SSL-only, private bucket that expires them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs workers on ARM64, read-only, non-root, with only outbound HTTPS', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '1024',
      Memory: '2048',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({ ReadonlyRootFilesystem: true, User: '1000', Environment: Match.arrayWith([{ Name: 'TARGET_URL', Value: 'https://api.example.com' }, { Name: 'RATE_LIMIT_PER_USER', Value: '600' }]) })],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Load-test workers'),
      SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
    });
    const [group] = Object.values(template.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('Load-test workers') } }));
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('logs every state transition (without execution data) and traces the state machine', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });
});

describe('LoadTest without an allow list', () => {
  it('runs the steps alone, and fails the execution when a worker fails', () => {
    const { stack } = loadTestStack({ allowList: undefined, maxWorkers: 4 }, false);
    const definition = definitionOf(Template.fromStack(stack));
    expect(definition.StartAt).toBe('RunSteps');
    expect(definition.States.RunSteps.ItemProcessor.States.RunWorkers.MaxConcurrency).toBe(4);
    expect(definition.States.RunSteps.Catch[0].Next).toBe('RunFailed');
    expect(JSON.stringify(definition)).not.toMatch(/wafv2/);
  });
});

describe('LoadTest props', () => {
  it('names each bad prop, all at once', () => {
    expect(() =>
      loadTestStack({ maxWorkers: 0, workerCpu: 1024, workerMemoryMiB: 1024, targetUrl: 'https://api.example.com/v1', perUserLimitPerMinute: 0 }, false),
    ).toThrow(/maxWorkers must be an integer between 1 and 200 \(got 0\)[\s\S]*workerMemoryMiB 1024 is not a Fargate memory size for workerCpu 1024[\s\S]*targetUrl must be http\(s\):\/\/host without a path[\s\S]*perUserLimitPerMinute must be a positive integer/);
  });

  it('refuses an allow list that adds nothing, or a malformed address', () => {
    const arn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/x/y';
    expect(() => loadTestStack({ allowList: { name: 'x', id: 'y', arn, egressCidrs: [] } }, false)).toThrow(/allowList.egressCidrs must list the workers' egress addresses/);
    expect(() => loadTestStack({ allowList: { name: 'x', id: 'y', arn, egressCidrs: ['192.0.2.1'] } }, false)).toThrow(/allowList.egressCidrs\[0\] must be an IPv4 CIDR/);
  });
});
