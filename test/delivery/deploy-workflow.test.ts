import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, stackName, type Tier } from '../../lib/config';
import { CiDeployStack, ciDeployRoleName, ciDiffRoleName, ciRoleArn } from '../../lib/stacks/ci-deploy-stack';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import { githubTrustPolicy } from './github-trust';
import { loadWorkflow, runs, type WorkflowJob as Job, type WorkflowStep as Step } from './workflows';

const workflow = loadWorkflow('deploy.yml');
const verifyWorkflow = loadWorkflow('verify.yml');
const prod = loadStageConfig('prod');
/** Backup region first, then the primary stacks in dependency order. */
const DEPLOY_ORDER: Tier[] = ['BackupRegion', 'Network', 'Data', 'Service', 'Monitoring'];

/** Resolves `${{ env.NAME }}` against the workflow's top-level env. */
function resolveEnv(value: string | number | boolean | undefined): string {
  return String(value).replace(/\$\{\{\s*env\.([A-Z_]+)\s*\}\}/g, (_, name: string) => workflow.env?.[name] ?? `<unset ${name}>`);
}

function stepIndex(job: Job, predicate: (step: Step) => boolean, what: string): number {
  const index = (job.steps ?? []).findIndex(predicate);
  expect(index, `${what} missing`).toBeGreaterThanOrEqual(0);
  return index;
}

const credentialsStep = (job: Job) => job.steps?.find((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));

describe('.github/workflows/deploy.yml', () => {
  const { verify, diff, deploy } = workflow.jobs;
  const deploySteps = deploy.steps ?? [];

  it('runs on pull requests to main, on merge-queue groups and on pushes to main', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['merge_group', 'pull_request', 'push']);
    expect(workflow.on.pull_request?.branches).toEqual(['main']);
    expect(workflow.on.push?.branches).toEqual(['main']);
  });

  it('installs without dependency install scripts in the jobs that hold an AWS role', () => {
    for (const job of [diff, deploy]) {
      const installs = (job.steps ?? []).filter((step) => /\bnpm (ci|install)\b/.test(step.run ?? ''));
      expect(installs.map((step) => step.run?.trim())).toEqual(['npm ci --ignore-scripts --no-audit --no-fund']);
    }
  });

  it('grants nothing by default, contents: read to the gate and an OIDC token only to the jobs that talk to AWS', () => {
    expect(workflow.permissions).toEqual({});
    expect(verify.permissions).toEqual({ contents: 'read' });
    expect(deploy.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(diff.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
  });

  it('verifies every change through the shared gate (verify.yml): npm ci, tests, npm run validate, the API report, the workflow audit', () => {
    expect(verify.uses).toBe('./.github/workflows/verify.yml');
    expect(verify.if).toBeUndefined();
    expect(Object.keys(verifyWorkflow.on)).toEqual(['workflow_call']);
    const gate = verifyWorkflow.jobs.verify;
    const ci = stepIndex(gate, runs('npm ci'), 'npm ci');
    expect(stepIndex(gate, runs('npm test'), 'npm test')).toBeGreaterThan(ci);
    // The audit-log test preloads pgaudit in the runner's PostgreSQL 16, as the cluster does.
    expect(stepIndex(gate, runs('sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-16-pgaudit'), 'pgaudit install')).toBeLessThan(stepIndex(gate, runs('npm test'), 'npm test'));
    expect(stepIndex(gate, runs('npm run validate'), 'npm run validate')).toBeGreaterThan(ci);
    // api:check reads the declarations build:lib writes.
    const apiCheck = stepIndex(gate, runs('npm run api:check'), 'npm run api:check');
    expect(stepIndex(gate, runs('npm run build:lib'), 'npm run build:lib')).toBeLessThanOrEqual(apiCheck);
    // zizmor comes into .venv with npm test's pretest (scripts/setup-python.sh).
    expect(stepIndex(gate, runs('npm run audit:workflows'), 'npm run audit:workflows')).toBeGreaterThan(stepIndex(gate, runs('npm test'), 'npm test'));
    expect(gate.if).toBeUndefined();
  });

  it('diffs prod on pull requests from this repository and posts it to the job summary', () => {
    expect(diff.if).toContain("github.event_name == 'pull_request'");
    expect(diff.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    const diffStep = stepIndex(diff, (step) => /npx cdk diff .*-c stage=prod/.test(step.run ?? ''), 'cdk diff -c stage=prod');
    expect(stepIndex(diff, (step) => (step.run ?? '').includes('$GITHUB_STEP_SUMMARY'), 'job summary')).toBeGreaterThan(diffStep);
    expect(resolveEnv(credentialsStep(diff)?.with?.['role-to-assume'])).toBe(ciRoleArn(prod, ciDiffRoleName(prod)));
  });

  it('deploys main only, one deploy at a time, never cancelling one in progress', () => {
    expect(deploy.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(deploy.needs).toBe('verify');
    expect(deploy.concurrency).toEqual({ group: 'deploy-prod', 'cancel-in-progress': false });
  });

  it('builds the app bundle, then deploys backup region first and the primary stacks in dependency order, each with a fresh CiDeploy role session', () => {
    const build = stepIndex(deploy, runs('npm run build:app'), 'npm run build:app');
    const cdkDeploySteps = deploySteps.filter((step) => step.run?.includes('cdk deploy'));
    const deployed = cdkDeploySteps.map((step) => /cdk deploy (\S+)/.exec(step.run!)?.[1]);
    expect(deployed).toEqual(DEPLOY_ORDER.map((tier) => stackName(prod, tier)));
    for (const step of cdkDeploySteps) {
      expect(step.run).toContain('--require-approval never');
      expect(step.run).toContain('-c stage=prod');
      expect(step.run).toContain('--exclusively');
      const index = deploySteps.indexOf(step);
      expect(index).toBeGreaterThan(build);
      // A role session lasts at most an hour: each stack starts with a fresh one.
      const credentials = deploySteps[index - 1];
      expect(credentials.uses).toMatch(/^aws-actions\/configure-aws-credentials@/);
      expect(resolveEnv(credentials.with?.['role-to-assume'])).toBe(ciRoleArn(prod, ciDeployRoleName(prod)));
      expect(resolveEnv(credentials.with?.['aws-region'])).toBe(prod.region);
      expect(Number(credentials.with?.['role-duration-seconds'])).toBeLessThanOrEqual(3600);
    }
    expect(deploySteps.filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@')).every((step) => resolveEnv(step.with?.['role-to-assume']) === ciRoleArn(prod, ciDeployRoleName(prod)))).toBe(true);
  });

  it('deploys every stack of the stage (what --all would), each after the stacks it depends on; CiDeploy stays with the administrator', () => {
    const app = testApp();
    createStage(app, prod);
    // Cross-stack references become stack dependencies while the app is prepared for synthesis.
    const assembly = app.synth();
    const stacks = app.node.children.filter(Stack.isStack).filter((stack) => stack.stackName !== stackName(prod, 'CiDeploy'));
    const deployed = deploySteps.flatMap((step) => /cdk deploy (\S+)/.exec(step.run ?? '')?.[1] ?? []);
    expect([...deployed].sort()).toEqual(stacks.map((stack) => stack.stackName).sort());
    let dependencyCount = 0;
    for (const stack of stacks) {
      const dependencies = assembly
        .getStackByName(stack.stackName)
        .dependencies.filter((artifact) => artifact instanceof CloudFormationStackArtifact)
        .map((artifact) => artifact.id);
      dependencyCount += dependencies.length;
      for (const dependency of dependencies) {
        expect(deployed.indexOf(dependency), `${dependency} before ${stack.stackName}`).toBeLessThan(deployed.indexOf(stack.stackName));
      }
    }
    // Data, Service and Monitoring read other stacks' outputs: the check above is not vacuous.
    expect(dependencyCount).toBeGreaterThanOrEqual(3);
  });

  it("runs in the GitHub environment whose subject is the one the CiDeploy role trusts", () => {
    const environment = typeof deploy.environment === 'string' ? deploy.environment : deploy.environment?.name;
    expect(environment).toBe(prod.ci!.environment);
    const stack = new CiDeployStack(new App(), stackName(prod, 'CiDeploy'), {
      config: prod,
      ci: { ...prod.ci!, environment },
      env: { account: prod.account, region: prod.region },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      RoleName: ciDeployRoleName(prod),
      ...githubTrustPolicy(`repo:${prod.ci!.repository}:environment:${environment}`),
    });
  });
});
