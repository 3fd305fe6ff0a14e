import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, withLoadTestEnabled } from '../../lib/config';
import type { LoadTestStack } from '../../lib/stacks/load-test-stack';
import { createStage, type StageStacks } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { githubTrustPolicy } from '../delivery/github-trust';
import { applyNag, expectNoNagFindings } from '../support/nag';

describe('the LoadTest stack', () => {
  it('is not part of a shipped stage by default', () => {
    const stacks = createStage(testApp({ stage: 'prod' }), loadStageConfig('prod'));
    expect(stacks.loadTest).toBeUndefined();
  });

  describe('prod with loadTest enabled', () => {
    let stack: LoadTestStack;
    let template: Template;
    beforeAll(() => {
      const stacks = createStage(testApp({ stage: 'prod' }), withLoadTestEnabled(loadStageConfig('prod')));
      stack = stacks.loadTest!;
      applyNag(stack);
      template = Template.fromStack(stack);
    });

    it('is named for the stage and has zero unsuppressed cdk-nag findings', () => {
      expect(stack.stackName).toBe('Bulwark-prod-LoadTest');
      expectNoNagFindings(stack);
    });

    it('drives the stage\'s domain with the app\'s per-token limit and the configured workers', () => {
      const [definition] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
      const env = Object.fromEntries(definition.Properties.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
      expect(env.TARGET_URL).toBe('https://api.example.com');
      expect(env.RATE_LIMIT_PER_USER).toBe('600');
      expect(JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'))).toContain('\\"MaxConcurrency\\":10');
    });

    it('allow-lists the three NAT gateways\' Elastic IPs in the Service stack\'s allow-list IP set during a run', () => {
      const machine = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
      const eipImports = machine.match(/Bulwark-prod-Network:ExportsOutputFnGetAttNetworkVpcpublicSubnet\dEIP\w+PublicIp\w+/g) ?? [];
      expect(new Set(eipImports).size).toBe(3);
      expect(machine).toContain('bulwark-prod-allow-ipv4');
      expect(machine).toMatch(/Bulwark-prod-Service:ExportsOutputFnGetAttEdgeAllowIpv4\w+Id/);
    });

    it('gives the loadtest workflow a role that only the repository\'s load-test environment can assume, for a run\'s length', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        RoleName: 'Bulwark-prod-github-loadtest',
        MaxSessionDuration: 7200,
        ...githubTrustPolicy('repo:example-org/bulwark:environment:load-test', 'arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com'),
      });
    });

    it('exports the state machine and bucket for `npm run loadtest`', () => {
      expect(Object.keys(template.toJSON().Outputs)).toEqual(expect.arrayContaining(['StateMachineArn', 'ResultsBucketName', 'LoadBalancerFullName', 'ClusterName', 'ServiceName']));
    });
  });

  describe('the app\'s per-IP limit exempts the NAT addresses only while the load test is deployed', () => {
    /** The web container's environment variable `name`, or undefined. */
    function webEnvironment(stacks: StageStacks, name: string): unknown {
      const definitions = Object.values(Template.fromStack(stacks.service).findResources('AWS::ECS::TaskDefinition'));
      const containers = definitions.flatMap((d) => d.Properties.ContainerDefinitions as Array<{ Name: string; Environment: Array<{ Name: string; Value: unknown }> }>);
      const app = containers.filter((c) => c.Name === 'App');
      expect(app).toHaveLength(1);
      return app[0].Environment.find((e) => e.Name === name)?.Value;
    }

    it('off: the service gets no exempt addresses', () => {
      const stacks = createStage(testApp({ stage: 'prod' }), loadStageConfig('prod'));
      expect(webEnvironment(stacks, 'RATE_LIMIT_PER_IP')).toBe('1200');
      expect(webEnvironment(stacks, 'RATE_LIMIT_PER_IP_EXEMPT')).toBeUndefined();
    });

    it('on: the service reads the three NAT gateways\' Elastic IPs the Network stack publishes', () => {
      const stacks = createStage(testApp({ stage: 'prod' }), withLoadTestEnabled(loadStageConfig('prod')));
      const value = webEnvironment(stacks, 'RATE_LIMIT_PER_IP_EXEMPT') as { Ref: string };
      const parameter = Template.fromStack(stacks.service).toJSON().Parameters[value.Ref];
      expect(parameter).toEqual({ Type: 'AWS::SSM::Parameter::Value<String>', Default: '/bulwark/prod/network/nat-egress-addresses' });
      const published = Object.values(Template.fromStack(stacks.network).findResources('AWS::SSM::Parameter', { Properties: { Name: parameter.Default } }));
      expect(published).toHaveLength(1);
      const joined = published[0].Properties.Value as { 'Fn::Join': [string, Array<{ 'Fn::GetAtt': [string, string] }>] };
      expect(joined['Fn::Join'][0]).toBe(',');
      const eips = Object.keys(Template.fromStack(stacks.network).findResources('AWS::EC2::EIP'));
      expect(joined['Fn::Join'][1].map((part) => part['Fn::GetAtt'])).toEqual(eips.map((eip) => [eip, 'PublicIp']));
      expect(eips).toHaveLength(3);
    });
  });
});

