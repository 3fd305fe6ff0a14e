import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, withLoadTestEnabled } from '../../lib/config';
import type { LoadTestStack } from '../../lib/stacks/load-test-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
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

    it('exports the state machine and bucket for `npm run loadtest`', () => {
      expect(Object.keys(template.toJSON().Outputs)).toEqual(expect.arrayContaining(['StateMachineArn', 'ResultsBucketName', 'LoadBalancerFullName', 'ClusterName', 'ServiceName']));
    });
  });
});
