import { GUARDDUTY_FARGATE_AGENT_ACCOUNTS, GUARDDUTY_FARGATE_AGENT_REPOSITORY } from '../../lib/constructs/internal/guardduty-fargate-agent';
import type { PolicyDocument } from './policy-model';
import type { AccessRow } from './simulate-row';

/**
 * A repository of another account is pulled only when its own policy lets the puller's
 * account in too. GuardDuty's agent repository serves every account; every repository in
 * these rows is given that open policy, so the execution role's own policy alone decides.
 */
const PULLABLE_BY_EVERY_ACCOUNT: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: '*' }],
};

/**
 * GuardDuty Runtime Monitoring (automated agent) adds its sidecar to every Fargate task, and
 * ECS pulls it with the task's execution role from GuardDuty's repository in the region: the
 * pull is allowed, and neither another repository of GuardDuty's account nor a repository of
 * that name in another account is.
 */
export function guardDutyAgentPullRows(principal: { role: string }, who: string, region: string): AccessRow[] {
  const account = GUARDDUTY_FARGATE_AGENT_ACCOUNTS[region];
  if (!account) throw new Error(`GuardDuty documents no Fargate agent repository in ${region}`);
  const repository = (inAccount: string, name: string) => `arn:aws:ecr:${region}:${inAccount}:repository/${name}`;
  const agent = repository(account, GUARDDUTY_FARGATE_AGENT_REPOSITORY);
  return [
    { name: `${who} pulls the GuardDuty agent image`, principal, action: 'ecr:BatchGetImage', resource: agent, context: {}, expect: 'allow', outsideResourcePolicy: PULLABLE_BY_EVERY_ACCOUNT },
    { name: `${who} checks the GuardDuty agent's layers`, principal, action: 'ecr:BatchCheckLayerAvailability', resource: agent, context: {}, expect: 'allow', outsideResourcePolicy: PULLABLE_BY_EVERY_ACCOUNT },
    { name: `${who} downloads the GuardDuty agent's layers`, principal, action: 'ecr:GetDownloadUrlForLayer', resource: agent, context: {}, expect: 'allow', outsideResourcePolicy: PULLABLE_BY_EVERY_ACCOUNT },
    { name: `${who} cannot pull another repository of GuardDuty's account`, principal, action: 'ecr:BatchGetImage', resource: repository(account, 'aws-guardduty-agent-ecs-ec2'), context: {}, expect: 'deny', outsideResourcePolicy: PULLABLE_BY_EVERY_ACCOUNT },
    { name: `${who} cannot pull an agent-named repository of another account`, principal, action: 'ecr:BatchGetImage', resource: repository('999999999999', GUARDDUTY_FARGATE_AGENT_REPOSITORY), context: {}, expect: 'deny', outsideResourcePolicy: PULLABLE_BY_EVERY_ACCOUNT },
  ];
}
