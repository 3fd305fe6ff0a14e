import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { stageStackNamePattern, type CiConfig, type StageConfig } from '../config';
import { CiDeploy } from '../constructs/ci-deploy';

/** Name of the role the deploy workflow assumes (fixed, so the workflow can name it). */
export function ciDeployRoleName(config: Pick<StageConfig, 'prefix' | 'stage'>): string {
  return `${config.prefix}-${config.stage}-github-deploy`;
}

/** Name of the role pull requests assume for `cdk diff`. */
export function ciDiffRoleName(config: Pick<StageConfig, 'prefix' | 'stage'>): string {
  return `${config.prefix}-${config.stage}-github-diff`;
}

/** ARN of a role of the stage's account by name (IAM is global: no region). */
export function ciRoleArn(config: Pick<StageConfig, 'account'>, roleName: string): string {
  return `arn:aws:iam::${config.account}:role/${roleName}`;
}

export interface CiDeployStackProps extends StackProps {
  readonly config: StageConfig;
  readonly ci: CiConfig;
}

/**
 * The one stack an administrator deploys by hand: it lets GitHub Actions deploy every
 * other stack of the stage, in both regions, through the CDK bootstrap roles.
 */
export class CiDeployStack extends Stack {
  readonly ciDeploy: CiDeploy;

  constructor(scope: Construct, id: string, props: CiDeployStackProps) {
    super(scope, id, props);
    const { config, ci } = props;
    this.ciDeploy = new CiDeploy(this, 'CiDeploy', {
      repository: ci.repository,
      environment: ci.environment,
      branch: ci.branch,
      oidcProviderArn: ci.oidcProviderArn,
      regions: [config.region, config.backupRegion],
      roleName: ciDeployRoleName(config),
      pullRequestDiffRole: ci.pullRequestDiff,
      diffRoleName: ci.pullRequestDiff ? ciDiffRoleName(config) : undefined,
      // The stage's stacks (and their nested stacks) only, not every stack of the account.
      diffStackNames: ci.pullRequestDiff ? [stageStackNamePattern(config)] : undefined,
    });
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.ciDeploy.role.roleArn,
      description: 'role-to-assume of the deploy job',
    });
    if (this.ciDeploy.diffRole) {
      new CfnOutput(this, 'DiffRoleArn', { value: this.ciDeploy.diffRole.roleArn, description: 'role-to-assume of the pull-request diff job' });
    }
    new CfnOutput(this, 'OidcProviderArn', { value: this.ciDeploy.provider.oidcProviderArn });
  }
}
