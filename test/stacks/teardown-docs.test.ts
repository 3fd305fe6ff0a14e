import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, stackName } from '../../lib/config';
import { SecurityBaseline } from '../../lib/constructs/security-baseline';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';

const DEPLOYING = readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploying.md'), 'utf8');

/** The "Tearing a stage down" section of docs/deploying.md. */
function teardownSection(): string {
  const start = DEPLOYING.indexOf('## Tearing a stage down');
  expect(start, 'docs/deploying.md has a "Tearing a stage down" section').toBeGreaterThanOrEqual(0);
  const end = DEPLOYING.indexOf('\n## ', start + 1);
  return DEPLOYING.slice(start, end === -1 ? undefined : end);
}

describe('docs/deploying.md: re-creating a stage', () => {
  it('names every retained resource of the prod stage whose name is fixed (it blocks creating the stage again)', () => {
    const stacks = createStage(testApp(), loadStageConfig('prod'));
    const fixedNames = Object.values(stacks).flatMap((stack) => {
      if (!stack) return [];
      return Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { DeletionPolicy?: string; Properties?: Record<string, unknown> }>)
        .filter((resource) => resource.DeletionPolicy === 'Retain' || resource.DeletionPolicy === 'RetainExceptOnCreate')
        .flatMap((resource) => Object.entries(resource.Properties ?? {}).filter(([key, value]) => key.endsWith('Name') && typeof value === 'string'))
        .map(([, value]) => value as string);
    });
    expect(fixedNames.length).toBeGreaterThanOrEqual(3);
    for (const name of fixedNames) expect(teardownSection(), name).toContain(name);
  });
});

describe('docs/deploying.md: tearing down a VPC GuardDuty has put its endpoint in', () => {
  it('is needed: the SecurityBaseline lets GuardDuty manage the Fargate agent, which creates an endpoint in each VPC outside CloudFormation', () => {
    const stack = new Stack(testApp(), 'Security', { env: { account: '123456789012', region: 'eu-west-1' } });
    new SecurityBaseline(stack, 'Baseline', { managedByOrganization: ['securityHub', 'inspector', 'config'] });
    const [detector] = Object.values(Template.fromStack(stack).findResources('AWS::GuardDuty::Detector'));
    const runtime = detector.Properties.Features.find((feature: { Name: string }) => feature.Name === 'RUNTIME_MONITORING');
    expect(runtime.AdditionalConfiguration).toContainEqual({ Name: 'ECS_FARGATE_AGENT_MANAGEMENT', Status: 'ENABLED' });
  });

  it('names the GuardDuty-managed endpoint and security group, finds them by their tag in the VPC, and deletes both before the Network stack', () => {
    const section = teardownSection();
    for (const needed of ['guardduty-data', 'GuardDutyManaged', 'aws ec2 delete-vpc-endpoints', 'aws ec2 delete-security-group', 'Name=tag:GuardDutyManaged,Values=true', 'Name=vpc-id,Values=$VPC']) {
      expect(section, needed).toContain(needed);
    }
    const deleteEndpoints = section.indexOf('aws ec2 delete-vpc-endpoints');
    const deleteGroup = section.indexOf('aws ec2 delete-security-group');
    const deleteNetwork = section.indexOf('aws cloudformation delete-stack');
    expect(deleteEndpoints).toBeLessThan(deleteGroup);
    expect(deleteGroup).toBeLessThan(deleteNetwork);
  });

  it("addresses the stage's Network stack by the name the app gives it", () => {
    const config = loadStageConfig('prod');
    expect(teardownSection().replaceAll('$STAGE', config.stage)).toContain(`--stack-name "${stackName(config, 'Network')}"`);
  });

  it('lists the failed Network deletion among the deploy failures, pointing at the section', () => {
    const failures = DEPLOYING.slice(DEPLOYING.indexOf('## When it fails'));
    expect(failures).toMatch(/Network` `DELETE_FAILED`.*GuardDutyManaged.*"Tearing a stage down"/);
  });
});
