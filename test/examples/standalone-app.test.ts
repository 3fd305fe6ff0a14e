import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CERTIFICATE_ARN, EXAMPLE_IMAGE, EXAMPLE_PORT, ShopStack } from '../../examples/shop-stack';
import { testApp } from '../support/app';
import { applyNag, expectNoNagFindings } from '../support/nag';

const ROOT = join(__dirname, '..', '..');

describe('examples/standalone-app: the constructs in another team’s composition', () => {
  let stack: ShopStack;
  let template: Template;

  beforeAll(() => {
    stack = new ShopStack(testApp(), 'Shop', { env: { account: '123456789012', region: 'us-east-1' } });
    applyNag(stack);
    template = Template.fromStack(stack);
  });

  it('is one stack in another region with its own plain VPC: none of Bulwark’s stacks or Network construct', () => {
    expect(stack.region).toBe('us-east-1');
    expect(stack.node.root.node.children.filter(Stack.isStack).map((child) => child.node.id)).toEqual(['Shop']);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.50.0.0/20' });
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
  });

  it('runs its own image on its own port, user and health paths', () => {
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '256',
      Memory: '512',
      ContainerDefinitions: [
        Match.objectLike({
          Image: EXAMPLE_IMAGE,
          User: '101',
          ReadonlyRootFilesystem: true,
          PortMappings: [Match.objectLike({ ContainerPort: EXAMPLE_PORT })],
          HealthCheck: Match.objectLike({ Command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${EXAMPLE_PORT}/ || exit 1`] }),
          Environment: Match.arrayWith([{ Name: 'SHOP_REGION', Value: 'us-east-1' }]),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: EXAMPLE_PORT,
      HealthCheckPath: '/',
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6 });
    // Certificate only: the team's DNS lives elsewhere.
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    template.resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Certificates: [{ CertificateArn: EXAMPLE_CERTIFICATE_ARN }] });
    // Its own cluster, the one the service runs in.
    template.resourceCountIs('AWS::ECS::Cluster', 1);
    template.hasResourceProperties('AWS::ECS::Service', { Cluster: { Ref: stack.getLogicalId(stack.cluster.node.defaultChild as never) } });
    // No stage given: the app gets no STAGE.
    const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
    expect(task.Properties.ContainerDefinitions[0].Environment.map((variable: { Name: string }) => variable.Name)).not.toContain('STAGE');
    // The shared repository's app/ is not part of this app: no Docker asset to build.
    expect(JSON.stringify(template.toJSON())).not.toContain('cdk-hnb659fds-container-assets');
    // No context lookups: synthesis needs no AWS account.
    expect(stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:error')).toEqual([]);
  });

  it('wires the database into the service through the construct interfaces (secret fields, connections on 5432)', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      DatabaseName: 'shop',
      BackupRetentionPeriod: 10,
      DeletionProtection: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
    });
    // The master secret carries the team's user and database names.
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ SecretStringTemplate: JSON.stringify({ username: 'shop_admin', dbname: 'shop' }) }),
    });
    // Writer-only.
    template.resourceCountIs('AWS::RDS::DBInstance', 1);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Secrets: Match.arrayWith([Match.objectLike({ ValueFrom: Match.anyValue() })]) })],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: 'tcp',
      FromPort: 5432,
      ToPort: 5432,
      SourceSecurityGroupId: { 'Fn::GetAtt': [stack.getLogicalId(stack.web.serviceSecurityGroup.node.defaultChild as never), 'GroupId'] },
    });
  });

  it('puts its own WAF in front of the load balancer: allow list, Bot Control, its own limits, no Shield', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: stack.getLogicalId(stack.web.loadBalancer.node.defaultChild as never) },
    });
    template.hasResourceProperties('AWS::WAFv2::IPSet', { Addresses: ['198.51.100.0/24'] });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 500, EvaluationWindowSec: 60 }) } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesBotControlRuleSet' }) } }),
      ]),
    });
    template.resourceCountIs('AWS::Shield::Protection', 0);
    // No blocklist: no sync function, schedule or post-deployment sync.
    expect(stack.edge.syncFunction).toBeUndefined();
    template.resourceCountIs('AWS::Events::Rule', 0);
    template.resourceCountIs('Custom::AWS', 0);
  });

  it('passes the cdk-nag AwsSolutions pack with no suppressions of its own', () => {
    expectNoNagFindings(stack);
    expect(readFileSync(join(ROOT, 'examples', 'shop-stack.ts'), 'utf8')).not.toContain('NagSuppressions');
  });
});

describe('examples/standalone-app.ts entry point', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'bulwark-example-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes on its own with cdk synth, offline', () => {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--app', 'npx tsx examples/standalone-app.ts', '--output', outdir], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
    });
    expect(existsSync(join(outdir, 'Shop.template.json'))).toBe(true);
    const nagReport = readFileSync(join(outdir, 'AwsSolutions--Shop-NagReport.csv'), 'utf8');
    expect(nagReport).toContain('"Compliant"');
    expect(nagReport).not.toContain('"Non-Compliant"');
  });
});
