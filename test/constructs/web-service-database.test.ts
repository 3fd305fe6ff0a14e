/**
 * WebService given what the stage really gives it: the AuroraDatabase of another stack
 * (its security group), and that database's secret, encrypted by the cluster's key,
 * imported by the ARN the Data stack publishes in SSM with the key passed across stacks.
 * The grants must name exactly that secret and that key, and land in this stack only.
 */
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuroraDatabase } from '../../lib/constructs/aurora-database';
import { Network } from '../../lib/constructs/network';
import { WebService } from '../../lib/constructs/web-service';
import { readDataParameter } from '../../lib/stacks/data-parameters';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const NAMING = { prefix: 'Bulwark', stage: 'test' };

function build() {
  const app = testApp();
  const networkStack = new Stack(app, 'Network', { env: ENV });
  const dataStack = new Stack(app, 'Data', { env: ENV });
  const serviceStack = new Stack(app, 'Service', { env: ENV });
  const { vpc } = new Network(networkStack, 'Network', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const database = new AuroraDatabase(dataStack, 'Database', { vpc, serverless: { minCapacity: 0.5, maxCapacity: 2 } });
  const webService = new WebService(serviceStack, 'Web', {
    vpc,
    stage: NAMING.stage,
    domainName: 'api.example.com',
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(serviceStack, 'Zone', { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'example.com' }),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim'),
    // As ServiceStack builds it: the ARN from the Data stack's parameter, the cluster's key by reference.
    databaseSecret: secretsmanager.Secret.fromSecretAttributes(serviceStack, 'DatabaseSecret', {
      secretCompleteArn: readDataParameter(serviceStack, NAMING, 'databaseSecretArn'),
      encryptionKey: database.encryptionKey,
    }),
    database,
  });
  applyNag(serviceStack);
  return { dataStack, serviceStack, database, webService };
}

describe('WebService with the Data stack\'s database, secret and key', () => {
  let built: ReturnType<typeof build>;
  let service: Template;
  let data: Template;
  /** The statements of the one policy attached to `roleName`. */
  let statementsOf: (role: 'execution' | 'task') => Array<Record<string, unknown>>;
  beforeAll(() => {
    built = build();
    service = Template.fromStack(built.serviceStack);
    data = Template.fromStack(built.dataStack);
    statementsOf = (role) => {
      const { taskDefinition } = built.webService;
      const roleRef = built.serviceStack.resolve((role === 'execution' ? taskDefinition.obtainExecutionRole() : taskDefinition.taskRole).roleName);
      const policies = Object.values(service.findResources('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([roleRef]));
      return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    };
  });

  it('has zero unsuppressed cdk-nag findings', () => {
    expectNoNagFindings(built.serviceStack);
  });

  it('lets both roles read exactly the secret whose ARN the Data stack published', () => {
    const [parameter] = Object.keys(service.toJSON().Parameters).filter((name) => name.includes('datasecretarn'));
    expect(parameter).toBeDefined();
    for (const role of ['execution', 'task'] as const) {
      expect(statementsOf(role), role).toContainEqual({
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Effect: 'Allow',
        Resource: { Ref: parameter },
      });
    }
  });

  it('lets both roles decrypt with the cluster\'s key, imported from the Data stack, only through Secrets Manager', () => {
    const keyArn = { 'Fn::GetAtt': [built.dataStack.getLogicalId(built.database.encryptionKey.node.defaultChild as CfnElement), 'Arn'] };
    const keyExport = Object.values(data.toJSON().Outputs as Record<string, { Value: unknown; Export: { Name: string } }>).find((output) => JSON.stringify(output.Value) === JSON.stringify(keyArn));
    expect(keyExport, 'the Data stack exports the cluster key ARN').toBeDefined();
    for (const role of ['execution', 'task'] as const) {
      expect(statementsOf(role), role).toContainEqual({
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: { 'Fn::ImportValue': keyExport!.Export.Name },
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
      });
    }
  });

  it('changes nothing in the Data stack (its key policy names no role of this stack: no cycle)', () => {
    expect(JSON.stringify(data.toJSON())).not.toContain('"Fn::ImportValue":"Service:');
    const keyPolicy = data.toJSON().Resources[built.dataStack.getLogicalId(built.database.encryptionKey.node.defaultChild as CfnElement)].Properties.KeyPolicy;
    expect(JSON.stringify(keyPolicy)).not.toMatch(/TaskRole|ExecutionRole/);
  });

  it('opens the database port to the service\'s tasks only, from this stack', () => {
    const serviceGroup = built.serviceStack.resolve(built.webService.service.connections.securityGroups[0].securityGroupId);
    const databaseGroup = built.database.connections.securityGroups[0];
    const ingress = Object.values(service.findResources('AWS::EC2::SecurityGroupIngress')).map((resource) => resource.Properties);
    expect(ingress).toContainEqual(
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 5432,
        ToPort: 5432,
        SourceSecurityGroupId: serviceGroup,
        GroupId: { 'Fn::ImportValue': expect.stringContaining(built.dataStack.getLogicalId(databaseGroup.node.defaultChild as CfnElement)) },
      }),
    );
  });
});
