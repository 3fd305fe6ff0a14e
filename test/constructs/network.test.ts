import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../../lib/constructs/network';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];

function networkStack(props: Partial<ConstructorParameters<typeof Network>[2]> = {}): { stack: Stack; network: Network } {
  const stack = new Stack(testApp(), 'Net', { env: { account: '123456789012', region: 'eu-west-1' } });
  applyNag(stack);
  const network = new Network(stack, 'Network', { availabilityZones: ZONES, ...props });
  return { stack, network };
}

describe('Network', () => {
  let stack: Stack;
  let template: Template;
  beforeAll(() => {
    ({ stack } = networkStack({ cidr: '10.20.0.0/16', natGateways: 3, flowLogRetention: logs.RetentionDays.ONE_MONTH }));
    template = Template.fromStack(stack);
  });

  it('spans the configured zones with public, private-with-egress and isolated subnets', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.20.0.0/16' });
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    for (const zone of ZONES) {
      template.resourcePropertiesCountIs('AWS::EC2::Subnet', { AvailabilityZone: zone }, 3);
    }
    for (const tier of ['Public', 'Private', 'Isolated']) {
      template.resourcePropertiesCountIs(
        'AWS::EC2::Subnet',
        { Tags: Match.arrayWith([{ Key: 'aws-cdk:subnet-type', Value: tier }]) },
        3,
      );
    }
    template.resourcePropertiesCountIs('AWS::EC2::Subnet', { MapPublicIpOnLaunch: true }, 0);
  });

  it('puts a NAT gateway per zone in prod-like configurations', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('uses one NAT gateway when configured so', () => {
    const { stack: cheap } = networkStack({ natGateways: 1 });
    Template.fromStack(cheap).resourceCountIs('AWS::EC2::NatGateway', 1);
  });

  it('logs all flows to a KMS-encrypted log group with retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NetworkFlowLogKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          // Only log groups of this account and region may use the key (no other account's logs).
          Match.objectLike({
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:123456789012:log-group:*' } },
          }),
        ]),
      },
    });
  });

  it('lets VPC flow logs assume the delivery role only for this account (no confused deputy)', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'vpc-flow-logs.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }],
      },
    });
  });

  it('has an S3 gateway endpoint and the interface endpoints the service needs', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] },
    });
    for (const service of ['secretsmanager', 'ecr.api', 'ecr.dkr', 'logs']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
        ServiceName: `com.amazonaws.eu-west-1.${service}`,
      });
    }
  });

  it('drops the interface endpoints when switched off, keeping the free S3 gateway', () => {
    const { stack: bare } = networkStack({ interfaceEndpoints: false });
    const t = Template.fromStack(bare);
    t.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Interface' }, 0);
    t.resourcePropertiesCountIs('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' }, 1);
  });

  it('restricts the default security group', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('passes cdk-nag AwsSolutions', () => {
    expectNoNagFindings(stack);
  });

  it('rejects more NAT gateways than zones, naming the prop', () => {
    expect(() => networkStack({ natGateways: 4 })).toThrow(/natGateways must be between 1 and the number of availabilityZones \(3\)/);
  });

  it('rejects a single zone', () => {
    expect(() => networkStack({ availabilityZones: ['eu-west-1a'] })).toThrow(/availabilityZones must list at least 2 zones/);
  });
});

describe('Network interface endpoint security groups', () => {
  it('accept HTTPS from the VPC CIDR only', () => {
    const { stack } = networkStack({ cidr: '10.30.0.0/16' });
    const t = Template.fromStack(stack);
    const groups = t.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('Endpoint') } });
    expect(Object.keys(groups)).toHaveLength(4);
    for (const group of Object.values(groups)) {
      expect(group.Properties.SecurityGroupIngress).toEqual([
        expect.objectContaining({ CidrIp: '10.30.0.0/16', FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }),
      ]);
    }
  });
});

describe('Network in a stack bound to an account and region', () => {
  it('synthesizes with the given zones and asks for no context lookup (offline)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Bound', { env: { account: '123456789012', region: 'eu-west-1' } });
    new Network(stack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1c'], natGateways: 1 });
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
    expect(stack.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1c']);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1c' });
  });

  it('refuses a second Network with other zones in the same stack, naming the conflict', () => {
    const stack = new Stack(testApp(), 'Bound', { env: { account: '123456789012', region: 'eu-west-1' } });
    new Network(stack, 'One', { availabilityZones: ['eu-west-1a', 'eu-west-1b'] });
    expect(() => new Network(stack, 'Two', { availabilityZones: ['eu-west-1b', 'eu-west-1c'] })).toThrow(/already pinned to availability zones eu-west-1a, eu-west-1b/);
  });
});
