import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../lib/config';
import { CiDeploy, type CiDeployProps } from '../../lib/constructs/ci-deploy';
import { CiDeployStack, ciDeployRoleName, ciDiffRoleName } from '../../lib/stacks/ci-deploy-stack';
import { applyNag, expectNoNagFindings } from '../support/nag';
import { githubTrustPolicy as trustConditions } from './github-trust';

const ACCOUNT = '222222222222';
const REGIONS = ['eu-west-1', 'eu-central-1'];
const KINDS = ['deploy', 'file-publishing', 'image-publishing', 'lookup'];
// As in cdk.json: with a concrete region the partition is written out, not a Ref.
const PARTITION_LITERALS = { '@aws-cdk/core:enablePartitionLiterals': true };

function bootstrapArns(kinds: string[]): string[] {
  return REGIONS.flatMap((region) => kinds.map((kind) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-${kind}-role-${ACCOUNT}-${region}`));
}

function synth(props: Partial<CiDeployProps> = {}): Template {
  const stack = new Stack(new App({ context: PARTITION_LITERALS }), 'Ci', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  new CiDeploy(stack, 'CiDeploy', { repository: 'example-org/bulwark', regions: REGIONS, ...props });
  return Template.fromStack(stack);
}

describe('CiDeploy', () => {
  it('creates a GitHub OIDC provider without thumbprints, kept when the stack goes', () => {
    const template = synth();
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResource('AWS::IAM::OIDCProvider', {
      Properties: { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'], ThumbprintList: Match.absent() },
      DeletionPolicy: 'Retain',
    });
  });

  it('trusts only the configured branch by default, with StringEquals on aud and sub', () => {
    const template = synth();
    template.hasResourceProperties('AWS::IAM::Role', trustConditions('repo:example-org/bulwark:ref:refs/heads/main'));
    template.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 3600 });
    // No StringLike anywhere: a wildcard subject would admit other branches, forks or pull requests.
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('StringLike');
  });

  it('trusts a GitHub environment when one is configured', () => {
    synth({ environment: 'production' }).hasResourceProperties('AWS::IAM::Role', trustConditions('repo:example-org/bulwark:environment:production'));
    synth({ branch: 'release' }).hasResourceProperties('AWS::IAM::Role', trustConditions('repo:example-org/bulwark:ref:refs/heads/release'));
  });

  it('may only assume the four CDK bootstrap roles of both regions', () => {
    const template = synth();
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = policies[0].Properties.PolicyDocument.Statement;
    expect(statements).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Resource: bootstrapArns(KINDS) }]);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent(), Policies: Match.absent() });
  });

  it('imports an existing provider by ARN instead of creating one', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    const template = synth({ oidcProviderArn: arn });
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Federated: arn } })] },
    });
  });

  const templateRead = ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'];
  const stackArns = (names: string[]) => REGIONS.flatMap((region) => names.map((name) => `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${name}/*`));
  /** The one statement of the diff role's policy (the deploy role's says sts:AssumeRole). */
  const diffStatements = (template: Template) =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .map((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statements) => statements[0].Action !== 'sts:AssumeRole');

  it('adds a pull-request role that may only read stack templates, of every stack by default, and assumes no bootstrap role', () => {
    const template = synth({ pullRequestDiffRole: true });
    template.resourceCountIs('AWS::IAM::Role', 2);
    template.hasResourceProperties('AWS::IAM::Role', trustConditions('repo:example-org/bulwark:pull_request'));
    expect(diffStatements(template)).toEqual([[{ Action: templateRead, Effect: 'Allow', Resource: stackArns(['*']) }]]);
    // Not even the lookup role: its ReadOnlyAccess would let a pull request's code read the account's logs and objects.
    expect(JSON.stringify(diffStatements(template))).not.toContain('sts:');
  });

  it("limits the pull-request role to the named stacks' templates in each region", () => {
    const template = synth({ pullRequestDiffRole: true, diffStackNames: ['Bulwark-prod-*', 'Other'] });
    expect(diffStatements(template)).toEqual([[{ Action: templateRead, Effect: 'Allow', Resource: stackArns(['Bulwark-prod-*', 'Other']) }]]);
    // The longest name CloudFormation allows, 128 characters, is one.
    expect(() => synth({ pullRequestDiffRole: true, diffStackNames: [`a${'b'.repeat(127)}`] })).not.toThrow();
  });

  it.each([
    [{ repository: 'bulwark' }, /repository must be "owner\/name"/],
    [{ repository: 'example-org/bulwark/extra' }, /repository must be "owner\/name"/],
    [{ repository: 'example org/bulwark' }, /repository must be "owner\/name"/],
    [{ branch: '' }, /branch must be a non-empty git branch name/],
    [{ branch: 'feature/*' }, /branch must be/],
    [{ branch: 'refs/heads/main' }, /branch must be the short name/],
    [{ environment: '' }, /environment must be a non-empty GitHub environment name/],
    [{ environment: 'prod:x' }, /environment must be/],
    [{ branch: 'main', environment: 'production' }, /either branch or environment/],
    [{ regions: [] }, /regions must list at least one region/],
    [{ regions: ['eu-west-1', 'eu-west-1'] }, /regions must not repeat/],
    [{ regions: ['Europe'] }, /regions\[0\] must be an AWS region name/],
    [{ bootstrapQualifier: 'Has-Dash' }, /bootstrapQualifier must be/],
    [{ oidcProviderArn: 'arn:aws:iam::222222222222:oidc-provider/accounts.google.com' }, /oidcProviderArn must be the ARN of the token.actions.githubusercontent.com provider/],
    [{ diffRoleName: 'x' }, /diffRoleName requires pullRequestDiffRole/],
    [{ diffStackNames: ['Bulwark-*'] }, /diffStackNames requires pullRequestDiffRole/],
    [{ pullRequestDiffRole: true, diffStackNames: [] }, /diffStackNames must name at least one stack/],
    [{ pullRequestDiffRole: true, diffStackNames: ['ok', 'arn:aws:cloudformation:*'] }, /diffStackNames\[1\] must be a stack name/],
    [{ pullRequestDiffRole: true, diffStackNames: ['1stack'] }, /diffStackNames\[0\] must be a stack name/],
    [{ pullRequestDiffRole: true, diffStackNames: ['a/b'] }, /diffStackNames\[0\] must be a stack name/],
    [{ pullRequestDiffRole: true, diffStackNames: [`a${'b'.repeat(128)}`] }, /diffStackNames\[0\] must be a stack name/],
  ] as [Partial<CiDeployProps>, RegExp][])('rejects %o naming the prop', (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});

describe('CiDeployStack', () => {
  const config = loadStageConfig('prod');

  it('names the roles the workflow assumes and has zero cdk-nag findings', () => {
    const stack = new CiDeployStack(new App({ context: PARTITION_LITERALS }), 'Bulwark-prod-CiDeploy', {
      config,
      ci: { repository: 'example-org/bulwark', environment: 'production', pullRequestDiff: true },
      env: { account: config.account, region: config.region },
    });
    applyNag(stack);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: ciDeployRoleName(config), ...trustConditions('repo:example-org/bulwark:environment:production') });
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: ciDiffRoleName(config), ...trustConditions('repo:example-org/bulwark:pull_request') });
    // The diff role reads the templates of this stage's stacks only, in both regions.
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: Match.arrayWith(['cloudformation:GetTemplate']),
            Resource: [config.region, config.backupRegion].map((region) => `arn:aws:cloudformation:${region}:${config.account}:stack/Bulwark-prod-*/*`),
          }),
        ],
      },
    });
    template.hasOutput('DeployRoleArn', {});
    expectNoNagFindings(stack);
  });
});
