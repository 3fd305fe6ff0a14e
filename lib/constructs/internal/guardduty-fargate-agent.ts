import { Stack, Token } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * The ECR repository GuardDuty hosts its ECS Fargate Runtime Monitoring agent in. With
 * automated agent management GuardDuty adds this image as a sidecar to every new task, and
 * ECS pulls it with the task's execution role: without the pull permission no task starts.
 */
export const GUARDDUTY_FARGATE_AGENT_REPOSITORY = 'aws-guardduty-agent-fargate';

/**
 * The GuardDuty-owned account holding {@link GUARDDUTY_FARGATE_AGENT_REPOSITORY}, by region
 * (it differs per region). Source: Amazon GuardDuty User Guide, "ECR Repository for GuardDuty
 * agent on AWS Fargate (Amazon ECS only)",
 * https://docs.aws.amazon.com/guardduty/latest/ug/ecs-runtime-agent-ecr-image-uri.html
 * (all 33 regions of the table as published in 2026; only the `aws` partition is listed).
 * A region AWS adds later is one line here.
 */
export const GUARDDUTY_FARGATE_AGENT_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '593207742271',
  'us-east-2': '307168627858',
  'us-west-1': '684579721401',
  'us-west-2': '733349766148',
  'ca-central-1': '354763396469',
  'ca-west-1': '339712888787',
  'mx-central-1': '311141559934',
  'sa-east-1': '758426053663',
  'eu-west-1': '694911143906',
  'eu-west-2': '892757235363',
  'eu-west-3': '665651866788',
  'eu-central-1': '323658145986',
  'eu-central-2': '529164026651',
  'eu-north-1': '591436053604',
  'eu-south-1': '266869475730',
  'eu-south-2': '919611009337',
  'il-central-1': '870907303882',
  'me-central-1': '000014521398',
  'me-south-1': '536382113932',
  'af-south-1': '197869348890',
  'ap-south-1': '251508486986',
  'ap-south-2': '950823858135',
  'ap-east-1': '258348409381',
  'ap-east-2': '259886477082',
  'ap-northeast-1': '533107202818',
  'ap-northeast-2': '914738172881',
  'ap-northeast-3': '273192626886',
  'ap-southeast-1': '174946120834',
  'ap-southeast-2': '005257825471',
  'ap-southeast-3': '510637619217',
  'ap-southeast-4': '251357961535',
  'ap-southeast-5': '156041399949',
  'ap-southeast-7': '054037130133',
};

/**
 * What the task execution role needs on the agent's repository, as GuardDuty's "Prerequisites
 * for container image access" lists them (with `ecr:GetAuthorizationToken`, which has no resource):
 * https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html
 */
export const GUARDDUTY_AGENT_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

function agentRepositoryArn(region: string, account: string): string {
  return `arn:aws:ecr:${region}:${account}:repository/${GUARDDUTY_FARGATE_AGENT_REPOSITORY}`;
}

/**
 * The agent repositories a task of `scope`'s stack may pull from: the one of the stack's
 * region; every documented one when the stack is region-agnostic (the region is known only
 * at deployment); none in a region GuardDuty documents no Fargate agent for.
 */
export function guardDutyAgentRepositoryArns(scope: ecs.TaskDefinition): string[] {
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) return Object.entries(GUARDDUTY_FARGATE_AGENT_ACCOUNTS).map(([r, account]) => agentRepositoryArn(r, account));
  const account = GUARDDUTY_FARGATE_AGENT_ACCOUNTS[region];
  return account ? [agentRepositoryArn(region, account)] : [];
}

/**
 * Lets the task definition's execution role pull GuardDuty's Runtime Monitoring sidecar.
 * Granted always, not only where this project enables GuardDuty: an organization may turn
 * on runtime monitoring with automated agents centrally, and then tasks without this grant
 * stop starting the day it does.
 */
export function grantGuardDutyAgentPull(taskDefinition: ecs.TaskDefinition): void {
  const repositories = guardDutyAgentRepositoryArns(taskDefinition);
  if (repositories.length === 0) return;
  const executionRole = taskDefinition.obtainExecutionRole();
  executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: GUARDDUTY_AGENT_PULL_ACTIONS, resources: repositories }));
  // A registry login has no resource; CDK grants it too for an image of a private repository.
  executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
}
