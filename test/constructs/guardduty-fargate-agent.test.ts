import { Stack, type StackProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { describe, expect, it } from 'vitest';
import { GUARDDUTY_FARGATE_AGENT_ACCOUNTS, grantGuardDutyAgentPull } from '../../lib/constructs/internal/guardduty-fargate-agent';
import { testApp } from '../support/app';

/** The repositories the task's execution role may pull from, as synthesized. */
function pullableRepositories(env: StackProps['env']): unknown {
  const stack = new Stack(testApp(), 'Test', { env });
  const task = new ecs.FargateTaskDefinition(stack, 'Task');
  task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
  grantGuardDutyAgentPull(task);
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  expect(statements).toContainEqual(expect.objectContaining({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }));
  const pull = statements.find((statement) => Array.isArray(statement.Action) && statement.Action.includes('ecr:BatchGetImage'));
  expect([...pull.Action].sort()).toEqual(['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
  return pull.Resource;
}

describe('grantGuardDutyAgentPull', () => {
  it("allows the GuardDuty agent repository of the stack's region only, in GuardDuty's account there", () => {
    expect(pullableRepositories({ account: '123456789012', region: 'eu-west-1' })).toBe('arn:aws:ecr:eu-west-1:694911143906:repository/aws-guardduty-agent-fargate');
    expect(pullableRepositories({ account: '123456789012', region: 'us-east-1' })).toBe('arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate');
  });

  it('allows every documented region\'s agent repository in a region-agnostic stack, whose region is known only at deployment', () => {
    const repositories = pullableRepositories(undefined) as string[];
    expect(repositories).toHaveLength(Object.keys(GUARDDUTY_FARGATE_AGENT_ACCOUNTS).length);
    expect(repositories).toContain('arn:aws:ecr:ap-southeast-2:005257825471:repository/aws-guardduty-agent-fargate');
  });

  it('grants no agent pull in a region GuardDuty documents no Fargate agent for', () => {
    const stack = new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'cn-north-1' } });
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('App', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
    grantGuardDutyAgentPull(task);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('aws-guardduty-agent-fargate');
  });

  it('keeps the documented table well-formed: 12-digit accounts, region-shaped keys', () => {
    for (const [region, account] of Object.entries(GUARDDUTY_FARGATE_AGENT_ACCOUNTS)) {
      expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
      expect(account).toMatch(/^\d{12}$/);
    }
  });
});
