import { guardDutyAgentPullRows } from './guardduty-agent-rows';
import type { PolicyModel } from './policy-model';
import type { RuntimeFacts } from './runtime-facts';
import type { AccessRow } from './simulate-row';

/**
 * The opt-in LoadTest stack's runtime calls (present only in a stage synthesized with
 * `loadTest` on): the state machine runs the worker task and opens and closes the WAF
 * allow list; a worker pulls its image, logs, and writes its result object; the loadtest
 * workflow's runner role starts a run and reads what the report needs.
 */
const PATH = 'LoadTest/LoadTest';
const STATE_MACHINE_ROLE = { role: `${PATH}/StateMachine/Role` };
const TASK_ROLE = { role: `${PATH}/Task/TaskRole` };
const EXECUTION_ROLE = { role: `${PATH}/Task/ExecutionRole` };
const RUNNER_ROLE = { role: 'LoadTest/RunnerRole' };

export const hasLoadTest = (model: PolicyModel): boolean => model.has(`${PATH}/Task/TaskRole`);

export function loadTestRows(model: PolicyModel, facts: RuntimeFacts): AccessRow[] {
  const region = facts.region('LoadTest');
  const taskDefinition = String(model.resolver.resolve(model.stackNameOf('LoadTest'), { Ref: model.locate(`${PATH}/Task`).logicalId }));
  const otherTaskDefinition = `arn:aws:ecs:${region}:${facts.account}:task-definition/someone-elses-task:1`;
  const container = (model.property(`${PATH}/Task`, 'ContainerDefinitions') as Array<{ Environment: Array<{ Name: string; Value: string }>; LogConfiguration: { Options: Record<string, string> } }>)[0];
  const bucket = container.Environment.find((e) => e.Name === 'RESULTS_BUCKET')!.Value;
  const resultObject = `arn:aws:s3:::${bucket}/run-1/step-2-100pct/worker-0.json`;
  const logGroup = facts.logGroupArn(container.LogConfiguration.Options['awslogs-group'], region);
  // The IP sets the state machine is given (its definition names the allow list by name and id).
  const ipSetEnv = (name: string) => facts.functionEnvironment('Service/Edge/IpSetSync/Function', name);
  const allowList = facts.ipSetArn(ipSetEnv('IPV4_SET_NAME').replace('block', 'allow'), model.attribute('Service/Edge/AllowIpv4', 'Id'));
  const blockList = facts.ipSetArn(ipSetEnv('IPV4_SET_NAME'), ipSetEnv('IPV4_SET_ID'));
  const passRole = (role: { role: string }) => model.role(role.role).arn;
  const otherRole = model.role('Service/Web/Task/TaskRole').arn;
  return [
    ...(model.has(RUNNER_ROLE.role) ? runnerRows(model, facts, { taskDefinition, bucket, resultObject, allowList }) : []),
    { name: 'load-test state machine runs the worker task', principal: STATE_MACHINE_ROLE, action: 'ecs:RunTask', resource: taskDefinition, context: {}, expect: 'allow' },
    { name: 'load-test state machine cannot run another task definition', principal: STATE_MACHINE_ROLE, action: 'ecs:RunTask', resource: otherTaskDefinition, context: {}, expect: 'deny' },
    { name: 'load-test state machine passes the worker task role', principal: STATE_MACHINE_ROLE, action: 'iam:PassRole', resource: passRole(TASK_ROLE), context: {}, expect: 'allow' },
    { name: 'load-test state machine passes the worker execution role', principal: STATE_MACHINE_ROLE, action: 'iam:PassRole', resource: passRole(EXECUTION_ROLE), context: {}, expect: 'allow' },
    { name: 'load-test state machine cannot pass the web tasks\' role', principal: STATE_MACHINE_ROLE, action: 'iam:PassRole', resource: otherRole, context: {}, expect: 'deny' },
    { name: 'load-test state machine reads the allow list\'s lock token', principal: STATE_MACHINE_ROLE, action: 'wafv2:GetIPSet', resource: allowList, context: {}, expect: 'allow' },
    { name: 'load-test state machine opens and closes the allow list', principal: STATE_MACHINE_ROLE, action: 'wafv2:UpdateIPSet', resource: allowList, context: {}, expect: 'allow' },
    { name: 'load-test state machine cannot change the block list', principal: STATE_MACHINE_ROLE, action: 'wafv2:UpdateIPSet', resource: blockList, context: {}, expect: 'deny' },
    { name: 'load-test worker writes its step result', principal: TASK_ROLE, action: 's3:PutObject', resource: resultObject, context: { 'aws:SecureTransport': 'true' }, expect: 'allow' },
    { name: 'load-test worker cannot read results', principal: TASK_ROLE, action: 's3:GetObject', resource: resultObject, context: { 'aws:SecureTransport': 'true' }, expect: 'deny' },
    { name: 'load-test worker cannot write results without TLS', principal: TASK_ROLE, action: 's3:PutObject', resource: resultObject, context: { 'aws:SecureTransport': 'false' }, expect: 'deny' },
    { name: 'load-test worker cannot write to another bucket', principal: TASK_ROLE, action: 's3:PutObject', resource: 'arn:aws:s3:::someone-elses-bucket/key', context: { 'aws:SecureTransport': 'true' }, expect: 'deny' },
    { name: 'load-test execution role writes the worker log', principal: EXECUTION_ROLE, action: 'logs:PutLogEvents', resource: `${logGroup}:log-stream:worker/Worker/0123456789abcdef`, context: {}, expect: 'allow' },
    ...guardDutyAgentPullRows(EXECUTION_ROLE, 'load-test execution role', region),
    { name: 'load-test execution role cannot write another log group', principal: EXECUTION_ROLE, action: 'logs:PutLogEvents', resource: `${facts.logGroupArn('someone-elses-group', region)}:log-stream:x`, context: {}, expect: 'deny' },
  ];
}

/** The loadtest workflow's role: start and follow a run, read its results and the ALB's metrics; nothing the state machine does. */
function runnerRows(model: PolicyModel, facts: RuntimeFacts, run: { taskDefinition: string; bucket: string; resultObject: string; allowList: string }): AccessRow[] {
  const region = facts.region('LoadTest');
  const stateMachine = String(model.resolver.resolve(model.stackNameOf('LoadTest'), { Ref: model.locate(`${PATH}/StateMachine`).logicalId }));
  const execution = `${stateMachine.replace(':stateMachine:', ':execution:')}:run-1`;
  const otherStateMachine = `arn:aws:states:${region}:${facts.account}:stateMachine:someone-elses-machine`;
  const stackArn = (tier: string) => `arn:aws:cloudformation:${region}:${facts.account}:stack/${model.stackNameOf(tier)}/00000000-0000-0000-0000-000000000000`;
  const tls = { 'aws:SecureTransport': 'true' };
  return [
    { name: 'load-test runner starts a run', principal: RUNNER_ROLE, action: 'states:StartExecution', resource: stateMachine, context: {}, expect: 'allow' },
    { name: 'load-test runner cannot start another state machine', principal: RUNNER_ROLE, action: 'states:StartExecution', resource: otherStateMachine, context: {}, expect: 'deny' },
    { name: 'load-test runner follows its run', principal: RUNNER_ROLE, action: 'states:DescribeExecution', resource: execution, context: {}, expect: 'allow' },
    { name: 'load-test runner cannot stop a run', principal: RUNNER_ROLE, action: 'states:StopExecution', resource: execution, context: {}, expect: 'deny' },
    { name: 'load-test runner lists the results', principal: RUNNER_ROLE, action: 's3:ListBucket', resource: `arn:aws:s3:::${run.bucket}`, context: tls, expect: 'allow' },
    { name: 'load-test runner reads a worker\'s result', principal: RUNNER_ROLE, action: 's3:GetObject', resource: run.resultObject, context: tls, expect: 'allow' },
    { name: 'load-test runner cannot write or forge a result', principal: RUNNER_ROLE, action: 's3:PutObject', resource: run.resultObject, context: tls, expect: 'deny' },
    { name: 'load-test runner cannot read another bucket', principal: RUNNER_ROLE, action: 's3:GetObject', resource: 'arn:aws:s3:::someone-elses-bucket/key', context: tls, expect: 'deny' },
    { name: 'load-test runner reads the service\'s metrics', principal: RUNNER_ROLE, action: 'cloudwatch:GetMetricData', resource: '*', context: {}, expect: 'allow' },
    { name: 'load-test runner cannot write metrics', principal: RUNNER_ROLE, action: 'cloudwatch:PutMetricData', resource: '*', context: {}, expect: 'deny' },
    { name: 'load-test runner reads the LoadTest stack\'s outputs', principal: RUNNER_ROLE, action: 'cloudformation:DescribeStacks', resource: stackArn('LoadTest'), context: {}, expect: 'allow' },
    { name: 'load-test runner cannot describe the Data stack', principal: RUNNER_ROLE, action: 'cloudformation:DescribeStacks', resource: stackArn('Data'), context: {}, expect: 'deny' },
    { name: 'load-test runner cannot open the WAF allow list itself', principal: RUNNER_ROLE, action: 'wafv2:UpdateIPSet', resource: run.allowList, context: {}, expect: 'deny' },
    { name: 'load-test runner cannot run a worker task itself', principal: RUNNER_ROLE, action: 'ecs:RunTask', resource: run.taskDefinition, context: {}, expect: 'deny' },
  ];
}
