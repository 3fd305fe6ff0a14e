import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { WebService } from '../../lib/constructs/web-service';
import { testApp } from '../support/app';

/**
 * The logical ids of a fully wired WebService (dual-stack, DNS, database secret and rule),
 * as synthesized by the single-file construct before it became the web-service/ folder
 * (commit 31f5459). A changed id replaces the resource in every user's stack: a child's
 * construct id is part of the library's compatibility promise.
 */
const LOGICAL_IDS_BEFORE_THE_SPLIT = [
  'WebAccessLogs024BC47D',
  'WebAccessLogsPolicy3D72FBC3',
  'WebAliasRecord22320298',
  'WebAliasRecordIpv6AE139C3A',
  'WebCertificateDA5CDDF6',
  'WebCluster20B6B362',
  'WebLoadBalancer8E8983B1',
  'WebLoadBalancerHttp3272F7AC',
  'WebLoadBalancerHttpsC8E7A561',
  'WebLoadBalancerSecurityGroupAAB6BB02',
  'WebLoadBalancerSecurityGrouptoServiceWebServiceSecurityGroup45027EE5300060035EF4',
  'WebLogKey5BBC6EB6',
  'WebLogsD9759FC4',
  'WebRollbackOnErrors73B913E3',
  'WebRollbackOnLatency4C4E0E9E',
  'WebServiceD04B5F3E',
  'WebServiceSecurityGroupDBA25178',
  'WebServiceSecurityGroupNetworkDatabaseSg0B0795225432to257EA59A',
  'WebServiceSecurityGroupfromServiceWebLoadBalancerSecurityGroup9F8AE6723000170CF57D',
  'WebServiceSecurityGrouptoNetworkDatabaseSg0B0795225432BF40FA1C',
  'WebServiceTaskCountTargetCpuScalingCC6B7830',
  'WebServiceTaskCountTargetF7BAB0BC',
  'WebServiceTaskCountTargetP99LatencyScalingUpperAlarm2F72AF54',
  'WebServiceTaskCountTargetP99LatencyScalingUpperPolicy8B95F0E3',
  'WebServiceTaskCountTargetRequestCountScaling70815979',
  'WebTargetGroupFE6444AE',
  'WebTask30236CB9',
  'WebTaskExecutionRoleDB11C676',
  'WebTaskExecutionRoleDefaultPolicyFFB6E763',
  'WebTaskTaskRole6EAF6F2C',
  'WebTaskTaskRoleDefaultPolicyE53E4704',
];

describe('WebService logical ids', () => {
  it('are those of the construct before it was split into files', () => {
    const app = testApp();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const network = new Stack(app, 'Network', { env });
    const stack = new Stack(app, 'Service', { env });
    const vpc = new ec2.Vpc(network, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1, ipProtocol: ec2.IpProtocol.DUAL_STACK });
    const databaseSecret = secretsmanager.Secret.fromSecretAttributes(network, 'DbSecret', {
      secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      encryptionKey: new kms.Key(network, 'DatabaseKey'),
    });
    const databaseSecurityGroup = new ec2.SecurityGroup(network, 'DatabaseSg', { vpc, allowAllOutbound: false });
    new WebService(stack, 'Web', {
      vpc,
      stage: 'prod',
      domainName: 'api.example.com',
      dualStack: true,
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'example.com' }),
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim'),
      databaseSecret,
      database: { connections: new ec2.Connections({ securityGroups: [databaseSecurityGroup] }) },
    });
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources).sort()).toEqual(LOGICAL_IDS_BEFORE_THE_SPLIT);
  });
});
