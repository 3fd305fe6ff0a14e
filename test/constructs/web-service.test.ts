import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebService, type WebServiceProps } from '../../lib/constructs/web-service';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

interface Options {
  readonly dualStack?: boolean;
  readonly props?: (vpc: ec2.IVpc, stack: Stack) => Partial<WebServiceProps>;
}

/** A WebService in stack "Test"; its collaborators live in stack "Network", as in the app. */
function build(options: Options = {}) {
  const app = testApp();
  const network = new Stack(app, 'Network', { env: ENV });
  const stack = new Stack(app, 'Test', { env: ENV });
  const vpc = new ec2.Vpc(network, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 1,
    ipProtocol: options.dualStack ? ec2.IpProtocol.DUAL_STACK : ec2.IpProtocol.IPV4_ONLY,
  });
  const databaseSecurityGroup = new ec2.SecurityGroup(network, 'DatabaseSg', { vpc, allowAllOutbound: false });
  // As in the stage: the secret is encrypted by the cluster's key, both in another stack.
  const databaseSecret = secretsmanager.Secret.fromSecretAttributes(network, 'DbSecret', {
    secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
    encryptionKey: new kms.Key(network, 'DatabaseKey'),
  });
  const hostedZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'example.com' });
  const webService = new WebService(stack, 'Web', {
    vpc,
    stage: 'test',
    domainName: 'api.example.com',
    hostedZone,
    // A registry image keeps these tests independent of app/; the stack test covers the default asset.
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim'),
    databaseSecret,
    database: { connections: new ec2.Connections({ securityGroups: [databaseSecurityGroup] }) },
    ...options.props?.(vpc, stack),
  });
  return { app, stack, network, vpc, webService, databaseSecurityGroup };
}

const ref = (construct: { node: { defaultChild?: unknown } }, stack: Stack) =>
  stack.resolve((construct.node.defaultChild as { ref: string }).ref) as { Ref: string };

describe('WebService with defaults', () => {
  let built: ReturnType<typeof build>;
  let template: Template;
  let networkTemplate: Template;
  beforeAll(() => {
    built = build();
    applyNag(built.stack);
    template = Template.fromStack(built.stack);
    networkTemplate = Template.fromStack(built.network);
  });
  const logicalId = (construct: { node: { defaultChild?: unknown } }) => ref(construct, built.stack).Ref;

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(built.stack);
  });

  describe('load balancer', () => {
    it('is internet-facing in the public subnets, IPv4 only, with deletion protection, header hygiene and a deliberate idle timeout', () => {
      const publicSubnets = built.vpc.publicSubnets.map((subnet) => built.stack.resolve(subnet.subnetId));
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Scheme: 'internet-facing',
        Type: 'application',
        IpAddressType: 'ipv4',
        Subnets: publicSubnets,
        LoadBalancerAttributes: Match.arrayWith([
          { Key: 'deletion_protection.enabled', Value: 'true' },
          { Key: 'idle_timeout.timeout_seconds', Value: '60' },
          { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
          { Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' },
          { Key: 'access_logs.s3.enabled', Value: 'true' },
          { Key: 'access_logs.s3.bucket', Value: { Ref: logicalId(built.webService.accessLogBucket!) } },
        ]),
      });
    });

    it('serves HTTPS on 443 with the certificate and a TLS 1.3/1.2 policy, forwarding to the service', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 443,
        Protocol: 'HTTPS',
        SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09',
        Certificates: [{ CertificateArn: { Ref: Match.stringLikeRegexp('WebCertificate') } }],
        DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: logicalId(built.webService.targetGroup) } }],
      });
    });

    it('answers HTTP on 80 only with a 301 to HTTPS', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } }],
      });
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
    });

    it('creates a DNS-validated certificate for the domain in the hosted zone', () => {
      template.hasResourceProperties('AWS::CertificateManager::Certificate', {
        DomainName: 'api.example.com',
        ValidationMethod: 'DNS',
        DomainValidationOptions: [{ DomainName: 'api.example.com', HostedZoneId: 'Z123456ABCDEFG' }],
      });
    });

    it('points an alias A record of the domain at the load balancer', () => {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: 'A',
        HostedZoneId: 'Z123456ABCDEFG',
        AliasTarget: Match.objectLike({ DNSName: Match.anyValue() }),
      });
      template.resourceCountIs('AWS::Route53::RecordSet', 1);
    });

    it('opens only 80 and 443 to the internet and sends only to the tasks on the app port', () => {
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('^Internet-facing ALB'),
        SecurityGroupIngress: [
          { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() },
          { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80, Description: Match.anyValue() },
        ],
      });
      const albGroup = built.stack.resolve(built.webService.loadBalancerSecurityGroup.securityGroupId);
      const serviceGroup = built.stack.resolve(built.webService.serviceSecurityGroup.securityGroupId);
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
        GroupId: albGroup,
        DestinationSecurityGroupId: serviceGroup,
        IpProtocol: 'tcp',
        FromPort: 3000,
        ToPort: 3000,
      });
      // No rule on the ALB group other than these three.
      expect(Object.values(template.findResources('AWS::EC2::SecurityGroupEgress')).filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(albGroup))).toHaveLength(1);
      expect(Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).filter((r) => JSON.stringify(r.Properties.GroupId) === JSON.stringify(albGroup))).toHaveLength(0);
    });
  });

  describe('access log bucket', () => {
    it('is SSE-S3 encrypted, private, owner-enforced, expires logs and is kept when the stack goes', () => {
      template.hasResource('AWS::S3::Bucket', {
        Properties: {
          BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' })] },
        },
        DeletionPolicy: 'Retain',
      });
    });

    it('refuses plain HTTP and lets the ELB log delivery write', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:PutObject',
              // Only under this account's AWSLogs prefix of this bucket.
              Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^WebAccessLogs'), 'Arn'] }, Match.stringLikeRegexp('/AWSLogs/123456789012/\\*$')]] },
            }),
          ]),
        },
      });
    });
  });

  describe('cluster and service', () => {
    it('turns on enhanced Container Insights', () => {
      template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }] });
    });

    it('runs on Fargate in the private subnets without a public IP, with circuit breaker rollback, 100/200 % and no ECS Exec', () => {
      const privateSubnets = built.vpc.privateSubnets.map((subnet) => built.stack.resolve(subnet.subnetId));
      template.hasResourceProperties('AWS::ECS::Service', {
        LaunchType: 'FARGATE',
        NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED', Subnets: privateSubnets, SecurityGroups: Match.anyValue() } },
        DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100, MaximumPercent: 200 },
        EnableExecuteCommand: false,
        HealthCheckGracePeriodSeconds: 60,
        LoadBalancers: [{ ContainerName: 'App', ContainerPort: 3000, TargetGroupArn: { Ref: logicalId(built.webService.targetGroup) } }],
      });
    });

    it('rolls a deployment back on its own 5xx and p99 alarms', () => {
      const [service] = Object.values(template.findResources('AWS::ECS::Service'));
      const alarmNames = built.webService.rollbackAlarms.map((alarm) => (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName);
      expect(alarmNames).toHaveLength(2);
      for (const name of alarmNames) expect(name).toMatch(/^[A-Za-z0-9-]+-RollbackOn(Errors|Latency)$/);
      expect(service.Properties.DeploymentConfiguration.Alarms).toEqual({ AlarmNames: alarmNames, Enable: true, Rollback: true });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('^Deployment guard: more than 1 % of requests answered 5xx'),
        Threshold: 0.01,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(FILL(traffic, 0) >= 60, value, 0)', ReturnData: true }),
          Match.objectLike({ Id: 'value', Expression: 'IF(requests > 0, (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / requests, 0)', ReturnData: false }),
        ]),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        // Twice the 50 ms objective: a healthy deployment's cold tasks touch the objective.
        AlarmDescription: Match.stringLikeRegexp('^Deployment guard: p99 target response time above 100 ms'),
        Threshold: 0.1,
        EvaluationPeriods: 3,
        // A minute with fewer than 60 requests cannot roll a deployment back: one slow request is its p99.
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'IF(FILL(traffic, 0) >= 60, value, 0)', ReturnData: true }),
          Match.objectLike({ Id: 'traffic', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'RequestCount' }), Stat: 'Sum' }), ReturnData: false }),
          Match.objectLike({ Id: 'value', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'TargetResponseTime' }), Stat: 'p99' }), ReturnData: false }),
        ]),
      });
    });

    it('leaves the desired count to autoscaling', () => {
      const [service] = Object.values(template.findResources('AWS::ECS::Service'));
      expect(service.Properties).not.toHaveProperty('DesiredCount');
    });

    it('admits only the load balancer, on the app port, and reaches the database on 5432 and AWS APIs on 443', () => {
      const albGroup = built.stack.resolve(built.webService.loadBalancerSecurityGroup.securityGroupId);
      const serviceGroup = built.stack.resolve(built.webService.serviceSecurityGroup.securityGroupId);
      const databaseGroup = built.stack.resolve(built.databaseSecurityGroup.securityGroupId);
      const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
      expect(ingress.filter((rule) => JSON.stringify(rule.GroupId) === JSON.stringify(serviceGroup))).toEqual([
        expect.objectContaining({ SourceSecurityGroupId: albGroup, IpProtocol: 'tcp', FromPort: 3000, ToPort: 3000 }),
      ]);
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('^Web service tasks'),
        SecurityGroupEgress: [{ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443, Description: Match.anyValue() }],
      });
      template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: serviceGroup, DestinationSecurityGroupId: databaseGroup, FromPort: 5432, ToPort: 5432 });
      // The database group's ingress rule lives in this stack, so the database stack never references it.
      template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: databaseGroup, SourceSecurityGroupId: serviceGroup, FromPort: 5432, ToPort: 5432 });
      networkTemplate.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    });
  });

  describe('task definition', () => {
    const container = (extra: Record<string, unknown>) => ({ ContainerDefinitions: [Match.objectLike(extra)] });

    it('is Fargate on ARM64 Linux with a /tmp volume', () => {
      template.hasResourceProperties('AWS::ECS::TaskDefinition', {
        RequiresCompatibilities: ['FARGATE'],
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        Cpu: '1024',
        Memory: '2048',
        Volumes: [{ Name: 'tmp' }],
      });
    });

    it('runs the app read-only, as a non-root user, without Linux capabilities, with /tmp writable', () => {
      template.hasResourceProperties(
        'AWS::ECS::TaskDefinition',
        container({
          ReadonlyRootFilesystem: true,
          User: '1000',
          LinuxParameters: { Capabilities: { Drop: ['ALL'] }, InitProcessEnabled: true },
          MountPoints: [{ SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false }],
          PortMappings: [{ ContainerPort: 3000, Name: 'http', Protocol: 'tcp' }],
        }),
      );
    });

    it('runs no container health check in a given image (nothing is known of its tools) and stops within the app\'s 30 s shutdown', () => {
      template.hasResourceProperties('AWS::ECS::TaskDefinition', container({ HealthCheck: Match.absent(), StopTimeout: 30 }));
    });

    it('injects the database secret fields as ECS secrets and nothing secret as plain environment', () => {
      const field = (name: string, key: string) => ({ Name: name, ValueFrom: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:${key}::` });
      template.hasResourceProperties(
        'AWS::ECS::TaskDefinition',
        container({
          Secrets: [field('DB_HOST', 'host'), field('DB_PORT', 'port'), field('DB_USERNAME', 'username'), field('DB_PASSWORD', 'password'), field('DB_NAME', 'dbname')],
          Environment: [
            { Name: 'PORT', Value: '3000' },
            { Name: 'STAGE', Value: 'test' },
            { Name: 'TRUSTED_PROXY_HOPS', Value: '1' },
            { Name: 'DB_SSL', Value: 'require' },
            { Name: 'DB_SECRET_ARN', Value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' },
          ],
        }),
      );
      const readSecret = Match.objectLike({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      });
      // The execution role injects the fields at task start...
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([readSecret]) },
        Roles: [built.stack.resolve(built.webService.taskDefinition.obtainExecutionRole().roleName)],
      });
      // ...and the task role lets the app re-read the password after a rotation.
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([readSecret]) },
        Roles: [built.stack.resolve(built.webService.taskDefinition.taskRole.roleName)],
      });
    });

    it('lets both roles decrypt the secret\'s key (in another stack) only through Secrets Manager', () => {
      const decryptViaSecretsManager = Match.objectLike({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('^Network:ExportsOutputFnGetAttDatabaseKey') },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      });
      for (const role of [built.webService.taskDefinition.obtainExecutionRole(), built.webService.taskDefinition.taskRole]) {
        template.hasResourceProperties('AWS::IAM::Policy', {
          PolicyDocument: { Statement: Match.arrayWith([decryptViaSecretsManager]) },
          Roles: [built.stack.resolve(role.roleName)],
        });
      }
    });

    it('logs with awslogs (non-blocking) to a KMS-encrypted log group with retention', () => {
      template.hasResourceProperties(
        'AWS::ECS::TaskDefinition',
        container({
          LogConfiguration: {
            LogDriver: 'awslogs',
            Options: Match.objectLike({ 'awslogs-group': { Ref: logicalId(built.webService.logGroup) }, mode: 'non-blocking' }),
          },
        }),
      );
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebLogKey'), 'Arn'] } });
      template.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
              Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } },
            }),
          ]),
        },
      });
    });
  });

  describe('target group', () => {
    it('checks liveness (never the database), drains for 25 s and routes to the least busy target', () => {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        TargetType: 'ip',
        Port: 3000,
        Protocol: 'HTTP',
        HealthCheckPath: '/healthz',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 2,
        Matcher: { HttpCode: '200' },
        TargetGroupAttributes: Match.arrayWith([
          { Key: 'deregistration_delay.timeout_seconds', Value: '25' },
          { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
        ]),
      });
    });
  });

  describe('autoscaling', () => {
    it('bounds the task count', () => {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
        MinCapacity: 2,
        MaxCapacity: 10,
        ScalableDimension: 'ecs:service:DesiredCount',
        ServiceNamespace: 'ecs',
      });
    });

    it('tracks CPU with a fast scale-out and a slow scale-in', () => {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
          TargetValue: 60,
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
        },
      });
    });

    it('tracks ALB requests per target, labelled "<load balancer full name>/<target group full name>"', () => {
      const listenerArnPart = (index: number) => ({ 'Fn::Select': [index, { 'Fn::Split': ['/', { Ref: logicalId(built.webService.listener) }] }] });
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        TargetTrackingScalingPolicyConfiguration: {
          PredefinedMetricSpecification: {
            PredefinedMetricType: 'ALBRequestCountPerTarget',
            ResourceLabel: {
              'Fn::Join': ['', [listenerArnPart(1), '/', listenerArnPart(2), '/', listenerArnPart(3), '/', { 'Fn::GetAtt': [logicalId(built.webService.targetGroup), 'TargetGroupFullName'] }]],
            },
          },
          TargetValue: 60000,
          ScaleOutCooldown: 60,
          ScaleInCooldown: 300,
        },
      });
    });

    it('adds 20 % then 50 % of capacity while p99 latency stays above 50 ms, and never scales in on latency', () => {
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'PercentChangeInCapacity',
          Cooldown: 120,
          MinAdjustmentMagnitude: 1,
          MetricAggregationType: 'Maximum',
          StepAdjustments: [
            { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 0.05, ScalingAdjustment: 20 },
            { MetricIntervalLowerBound: 0.05, ScalingAdjustment: 50 },
          ],
        },
      });
      template.resourcePropertiesCountIs('AWS::ApplicationAutoScaling::ScalingPolicy', { PolicyType: 'StepScaling' }, 1);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'TargetResponseTime',
        ExtendedStatistic: 'p99',
        Period: 60,
        Threshold: 0.05,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('P99LatencyScalingUpperPolicy') }],
      });
    });
  });

  describe('metrics', () => {
    const config = (metric: { toMetricConfig(): unknown }) => built.stack.resolve(metric.toMetricConfig()) as { metricStat: Record<string, unknown> };

    it('name the ALB, target group and service metrics the dashboard and alarms use', () => {
      const web = built.webService;
      expect(config(web.metricTargetResponseTimeP99()).metricStat).toMatchObject({ namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', statistic: 'p99', period: Duration.minutes(1) });
      expect(config(web.metricRequestCount()).metricStat).toMatchObject({ metricName: 'RequestCount', statistic: 'Sum' });
      expect(config(web.metricHttp5xxFromTargets()).metricStat).toMatchObject({ metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum' });
      expect(config(web.metricHttp5xxFromLoadBalancer()).metricStat).toMatchObject({ metricName: 'HTTPCode_ELB_5XX_Count', statistic: 'Sum' });
      expect(config(web.metricHealthyHostCount()).metricStat).toMatchObject({ metricName: 'HealthyHostCount', statistic: 'Minimum' });
      expect(config(web.metricRequestCountPerTarget()).metricStat).toMatchObject({ metricName: 'RequestCountPerTarget', statistic: 'Sum' });
      expect(config(web.metricRunningTaskCount()).metricStat).toMatchObject({ namespace: 'ECS/ContainerInsights', metricName: 'RunningTaskCount', statistic: 'Average' });
      expect(config(web.metricCpuUtilization()).metricStat).toMatchObject({ namespace: 'AWS/ECS', metricName: 'CPUUtilization' });
      expect(web.metricServerErrorRate().expression).toContain('/ requests');
    });
  });
});

describe('WebService options', () => {
  it('checks liveness with node in the default image only (it has no curl)', () => {
    const { stack } = build({ props: () => ({ image: undefined }) });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: { Command: ['CMD', 'node', '-e', Match.stringLikeRegexp("port:3000,path:'/healthz'")], Interval: 15, Timeout: 5, Retries: 3, StartPeriod: 30 },
        }),
      ],
    });
  });

  it('runs the container health check asked for with a given image', () => {
    const { stack } = build({ props: () => ({ containerHealthCheck: { command: ['CMD-SHELL', 'true'] } }) });
    Template.fromStack(stack).hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ HealthCheck: Match.objectLike({ Command: ['CMD-SHELL', 'true'] }) })],
    });
  });

  it('takes the root filesystem mode and the writable paths as props, one volume per path', () => {
    const { stack } = build({ props: () => ({ readonlyRootFilesystem: false, writablePaths: ['/tmp', '/var/cache/nginx'] }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Volumes: [{ Name: 'tmp' }, { Name: 'var-cache-nginx' }],
      ContainerDefinitions: [
        Match.objectLike({
          ReadonlyRootFilesystem: false,
          MountPoints: [
            { SourceVolume: 'tmp', ContainerPath: '/tmp', ReadOnly: false },
            { SourceVolume: 'var-cache-nginx', ContainerPath: '/var/cache/nginx', ReadOnly: false },
          ],
        }),
      ],
    });
  });

  it('serves with a certificate only: no DNS record, the URL is the load balancer\'s name', () => {
    const { stack, webService } = build({
      props: (_vpc, scope) => ({
        domainName: undefined,
        hostedZone: undefined,
        certificate: acm.Certificate.fromCertificateArn(scope, 'Imported', CERTIFICATE_ARN),
      }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Certificates: [{ CertificateArn: CERTIFICATE_ARN }] });
    expect(webService.aliasRecords).toEqual([]);
    const loadBalancerId = stack.getLogicalId(webService.loadBalancer.node.defaultChild as never);
    expect(stack.resolve(webService.url)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [loadBalancerId, 'DNSName'] }]] });
  });

  it('can be internal: private subnets, clients from the VPC only, no internet exception in cdk-nag', () => {
    const { stack, vpc } = build({ props: () => ({ internetFacing: false }) });
    applyNag(stack);
    const template = Template.fromStack(stack);
    const privateSubnets = vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId));
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internal', Subnets: privateSubnets });
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroup'))
      .flatMap((group) => group.Properties.SecurityGroupIngress ?? [])
      .filter((rule: { FromPort: number }) => rule.FromPort === 443);
    expect(ingress).toHaveLength(1);
    expect(JSON.stringify(ingress[0].CidrIp)).toContain('CidrBlock');
    expectNoNagFindings(stack);
  });

  it('places the load balancer and the tasks in the subnets selected', () => {
    const { stack } = build({
      props: () => ({
        // An internal load balancer defaults to private subnets: the selection overrides it.
        internetFacing: false,
        loadBalancerSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        taskSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      }),
    });
    const template = Template.fromStack(stack);
    const [loadBalancer] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
    const loadBalancerSubnets = JSON.stringify(loadBalancer.Properties.Subnets);
    expect(loadBalancerSubnets).toContain('PublicSubnet1');
    expect(loadBalancerSubnets).not.toContain('PrivateSubnet');
    const [service] = Object.values(template.findResources('AWS::ECS::Service'));
    const taskSubnets = JSON.stringify(service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets);
    expect(taskSubnets).toContain('PublicSubnet1');
    expect(taskSubnets).toContain('PublicSubnet2');
    expect(taskSubnets).not.toContain('PrivateSubnet');
    expect(service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
  });

  it('runs in an existing cluster instead of a new one', () => {
    const { stack, webService } = build({
      props: (vpc, scope) => ({ cluster: ecs.Cluster.fromClusterAttributes(scope, 'Shared', { clusterName: 'shared', vpc }) }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::ECS::Cluster', 0);
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: 'shared' });
    expect(webService.cluster.clusterName).toBe('shared');
  });

  it('sets no STAGE without a stage', () => {
    const { stack } = build({ props: () => ({ stage: undefined }) });
    const [task] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'));
    const names = task.Properties.ContainerDefinitions[0].Environment.map((variable: { Name: string }) => variable.Name);
    expect(names).toContain('PORT');
    expect(names).not.toContain('STAGE');
  });

  it('exposes its task bounds', () => {
    const { webService } = build({ props: () => ({ minTasks: 3, maxTasks: 7 }) });
    expect([webService.minTasks, webService.maxTasks]).toEqual([3, 7]);
  });

  it('retains the log bucket, log group and key by default, and destroys them (the bucket emptied first) when asked', () => {
    const retained = Template.fromStack(build().stack);
    for (const type of ['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      for (const resource of Object.values(retained.findResources(type))) expect(resource.DeletionPolicy, type).toBe('Retain');
    }
    const destroyed = Template.fromStack(build({ props: () => ({ removalPolicy: RemovalPolicy.DESTROY }) }).stack);
    for (const type of ['AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::KMS::Key']) {
      const resources = Object.values(destroyed.findResources(type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) expect(resource.DeletionPolicy, type).toBe('Delete');
    }
    destroyed.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  it('can do without access logs, which is how it fits a region-agnostic stack', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
    const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
    expect(() => new WebService(stack, 'Web', { vpc, certificate, image })).toThrow(
      /accessLogs needs a concrete region, but stack Agnostic is region-agnostic; set env.region on the stack, or accessLogs: false/,
    );
    const webService = new WebService(stack, 'Quiet', { vpc, certificate, image, accessLogs: false });
    expect(webService.accessLogBucket).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
  });
  it('can leave rollback to the circuit breaker alone', () => {
    const { stack, webService } = build({ props: () => ({ rollbackOnAlarm: false }) });
    const [service] = Object.values(Template.fromStack(stack).findResources('AWS::ECS::Service'));
    expect(service.Properties.DeploymentConfiguration.Alarms).toBeUndefined();
    expect(webService.rollbackAlarms).toEqual([]);
  });

  it('rolls back above the latency asked for', () => {
    const { stack } = build({ props: () => ({ p99LatencyThresholdMs: 40, rollbackLatencyThresholdMs: 250 }) });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^Deployment guard: p99 target response time above 250 ms'),
      Threshold: 0.25,
    });
  });

  it('speaks HTTPS to the tasks when asked: target group, its health check and the default liveness probe', () => {
    const { stack } = build({ props: () => ({ image: undefined, targetProtocol: elbv2.ApplicationProtocol.HTTPS }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Protocol: 'HTTPS', HealthCheckProtocol: 'HTTPS' });
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const probe = taskDefinition.Properties.ContainerDefinitions[0].HealthCheck.Command.join(' ');
    expect(probe).toContain("require('https')");
    expect(probe).toContain('rejectUnauthorized:false');
  });

  it('keeps grants out of another stack\'s key policy when the secret is local but its key is not', () => {
    const { stack, network, webService } = build({
      props: (vpc, scope) => ({
        databaseSecret: secretsmanager.Secret.fromSecretAttributes(scope, 'LocalSecret', {
          secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
          // The Network stack's key, as the Service stack passes the Data stack's.
          encryptionKey: Stack.of(vpc).node.findChild('DatabaseKey') as kms.Key,
        }),
      }),
    });
    const keyPolicy = Object.values(Template.fromStack(network).findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy;
    expect(JSON.stringify(keyPolicy)).not.toContain('Test');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Resource: { 'Fn::ImportValue': Match.stringLikeRegexp('^Network:ExportsOutputFnGetAttDatabaseKey[0-9A-F]{8}Arn') },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
          }),
        ]),
      },
      Roles: [stack.resolve(webService.taskDefinition.obtainExecutionRole().roleName)],
    });
  });

  it('guards the rollback alarms with the minimum traffic asked for', () => {
    const { stack } = build({ props: () => ({ rollbackMinRequestsPerMinute: 500 }) });
    const expressions = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')).flatMap((alarm) =>
      (alarm.Properties.Metrics ?? []).map((metric: { Expression?: string }) => metric.Expression),
    );
    expect(expressions.filter((expression) => expression === 'IF(FILL(traffic, 0) >= 500, value, 0)')).toHaveLength(2);
  });

  it('serves IPv6 too when dualStack: dual-stack ALB, ::/0 on 80/443 and an AAAA record', () => {
    const { stack } = build({ dualStack: true, props: () => ({ dualStack: true }) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { IpAddressType: 'dualstack' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIpv6: '::/0', FromPort: 443, ToPort: 443 }),
        Match.objectLike({ CidrIpv6: '::/0', FromPort: 80, ToPort: 80 }),
      ]),
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.example.com.', Type: 'AAAA' });
  });

  it('uses an imported certificate instead of creating one, and honours the sizing, scaling and drain props', () => {
    const { stack } = build({
      props: (vpc, stack) => ({
        certificate: acm.Certificate.fromCertificateArn(stack, 'Cert', CERTIFICATE_ARN),
        deletionProtection: false,
        minTasks: 3,
        maxTasks: 7,
        targetCpuUtilization: 50,
        targetRequestsPerTarget: 1234,
        p99LatencyThresholdMs: 80,
        deregistrationDelay: Duration.seconds(10),
        enableExecuteCommand: true,
        environment: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', STAGE: 'overridden' },
        vpc,
      }),
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Certificates: [{ CertificateArn: CERTIFICATE_ARN }] });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'false' }]),
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 7 });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 50 }) });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', { TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 1234 }) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ExtendedStatistic: 'p99', Threshold: 0.08 });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: '10' }]),
    });
    template.hasResourceProperties('AWS::ECS::Service', { EnableExecuteCommand: true });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: 'STAGE', Value: 'overridden' },
            { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://127.0.0.1:4318' },
          ]),
        }),
      ],
    });
  });

  it('adds no database variables, secrets or rules without a database', () => {
    const { stack } = build({ props: () => ({ databaseSecret: undefined, database: undefined }) });
    const template = Template.fromStack(stack);
    const [taskDefinition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    const [container] = taskDefinition.Properties.ContainerDefinitions;
    expect(container.Secrets).toBeUndefined();
    expect(container.Environment.map((variable: { Name: string }) => variable.Name)).toEqual(['PORT', 'STAGE', 'TRUSTED_PROXY_HOPS']);
    template.resourcePropertiesCountIs('AWS::EC2::SecurityGroupEgress', { FromPort: 5432 }, 0);
  });
});

describe('WebService validation', () => {
  const rejects = (props: Partial<WebServiceProps>, message: string | RegExp) => {
    expect(() => build({ props: () => props })).toThrow(message);
  };

  it('rejects minTasks above maxTasks', () => rejects({ minTasks: 5, maxTasks: 4 }, 'minTasks (5) must not exceed maxTasks (4)'));
  it('rejects minTasks below 1', () => rejects({ minTasks: 0 }, /minTasks must be an integer between 1 and 1000/));
  it('rejects a latency threshold of 0 or less', () => rejects({ p99LatencyThresholdMs: 0 }, 'p99LatencyThresholdMs must be greater than 0'));
  it('rejects a CPU target outside 1..100', () => rejects({ targetCpuUtilization: 120 }, /targetCpuUtilization must be an integer between 1 and 100/));
  it('rejects a request target of 0 or less', () => rejects({ targetRequestsPerTarget: -1 }, 'targetRequestsPerTarget must be greater than 0'));
  it('rejects a stop timeout Fargate does not allow', () => rejects({ stopTimeout: Duration.seconds(121) }, /stopTimeout must be between 2 and 120 seconds/));
  it('rejects a deregistration delay over an hour', () => rejects({ deregistrationDelay: Duration.hours(2) }, /deregistrationDelay must be between 0 and 3600/));
  it('rejects a privileged container port', () => rejects({ containerPort: 80 }, /containerPort must be an integer between 1024 and 65535/));
  it('rejects the root user', () => rejects({ user: 'root' }, 'user must not be root'));
  it('rejects a rollback error rate outside (0, 1)', () => rejects({ rollbackErrorRate: 5 }, 'rollbackErrorRate must be between 0 and 1, exclusive (got 5)'));
  it('rejects UID 0', () => rejects({ user: '0:0' }, 'user must not be root'));
  it('rejects a rollback latency of 0', () => rejects({ rollbackLatencyThresholdMs: 0 }, 'rollbackLatencyThresholdMs must be greater than 0 (got 0)'));
  it('rejects a rollback traffic guard of 0', () => rejects({ rollbackMinRequestsPerMinute: 0 }, /rollbackMinRequestsPerMinute must be an integer between 1 and 1000000/));
  it('rejects a relative target health check path', () => rejects({ targetHealthCheckPath: 'healthz' }, /targetHealthCheckPath must be an absolute URL path/));
  it('rejects a relative liveness path', () => rejects({ livenessPath: 'healthz' }, /livenessPath must be an absolute URL path/));
  it('rejects environment that shadows an injected secret', () => rejects({ environment: { DB_PASSWORD: 'x' } }, 'environment.DB_PASSWORD conflicts with the variable injected from databaseSecret'));
  it('rejects secret-looking environment', () => rejects({ environment: { API_TOKEN: 'x' } }, /environment.API_TOKEN looks like a secret/));
  it('rejects databasePort without a database', () => rejects({ database: undefined, databasePort: 3306 }, 'databasePort needs database'));
  it('rejects a relative writable path', () => rejects({ writablePaths: ['tmp'] }, /writablePaths\[0\] must be an absolute path below \//));
  it('rejects a repeated writable path', () => rejects({ writablePaths: ['/tmp', '/tmp'] }, 'writablePaths[1] "/tmp" repeats a path or its volume name "tmp"'));
  it('rejects writable paths whose volume names collide', () => rejects({ writablePaths: ['/var/a.b', '/var/a-b'] }, 'writablePaths[1] "/var/a-b" repeats a path or its volume name "var-a-b"'));
  it('needs a certificate without a domain and zone', () => rejects({ hostedZone: undefined }, /certificate is required unless both domainName and hostedZone are given/));
  it('needs a domain name for a hosted zone', () => rejects({ domainName: undefined, certificate: acm.Certificate.fromCertificateArn(new Stack(), 'C', CERTIFICATE_ARN) }, 'hostedZone needs domainName'));
  it('refuses containerInsights with an existing cluster', () =>
    rejects({ cluster: ecs.Cluster.fromClusterArn(new Stack(), 'C', 'arn:aws:ecs:eu-west-1:123456789012:cluster/shared'), containerInsights: ecs.ContainerInsights.ENABLED }, /containerInsights applies to a new cluster only/));
  it('lists every problem at once', () => rejects({ minTasks: 9, maxTasks: 3, p99LatencyThresholdMs: -5 }, /minTasks \(9\)[\s\S]*p99LatencyThresholdMs/));
});
