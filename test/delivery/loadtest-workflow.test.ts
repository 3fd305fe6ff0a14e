/**
 * .github/workflows/loadtest.yml assumes the LoadTest stack's runner role: the ARN it names
 * is the role the stack creates, the job's environment is the one token subject that role
 * trusts, and every stage it offers has that role (only stages with a `ci` section do).
 */
import { describe, expect, it } from 'vitest';
import { loadStageConfig, withLoadTestEnabled } from '../../lib/config';
import { ciRoleArn } from '../../lib/stacks/ci-deploy-stack';
import { LOAD_TEST_GITHUB_ENVIRONMENT, loadTestRunnerRoleName } from '../../lib/stacks/load-test-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { loadWorkflow } from './workflows';

const workflow = loadWorkflow('loadtest.yml');
const job = workflow.jobs.loadtest;
const credentials = job.steps?.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const resolveEnv = (value: unknown) => String(value).replace(/\$\{\{\s*env\.([A-Z_]+)\s*\}\}/g, (_, name: string) => workflow.env?.[name] ?? `<unset ${name}>`);
const offeredStages = (workflow.on.workflow_dispatch as unknown as { inputs: { stage: { options: string[] } } }).inputs.stage.options;

describe('.github/workflows/loadtest.yml', () => {
  it('offers only stages whose LoadTest stack creates the runner role', () => {
    expect(offeredStages.length).toBeGreaterThan(0);
    for (const stage of offeredStages) {
      const stacks = createStage(testApp({ stage }), withLoadTestEnabled(loadStageConfig(stage)));
      expect(stacks.loadTest?.runnerRole, `${stage} has no runner role`).toBeDefined();
    }
  });

  it('assumes that role, in the stage\'s region, from the one environment the role trusts, for as long as the job may run', () => {
    const [stage] = offeredStages;
    const config = loadStageConfig(stage);
    expect(offeredStages).toEqual([stage]);
    expect(resolveEnv(credentials?.with?.['role-to-assume'])).toBe(ciRoleArn(config, loadTestRunnerRoleName(config)));
    expect(resolveEnv(credentials?.with?.['aws-region'])).toBe(config.region);
    expect(job.environment).toBe(LOAD_TEST_GITHUB_ENVIRONMENT);
    expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(Number(credentials?.with?.['role-duration-seconds'])).toBe(7200);
    expect(Number((job as { 'timeout-minutes'?: number })['timeout-minutes']) * 60).toBeLessThanOrEqual(7200);
  });
});
