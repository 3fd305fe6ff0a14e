import { describe, expect, it } from 'vitest';
import { CfnResolver, type StackTemplate } from './cfn-resolver';

const ACCOUNT = '111111111111';

const data: StackTemplate = {
  stackName: 'App-Data',
  account: ACCOUNT,
  region: 'eu-west-1',
  template: {
    Parameters: { BootstrapVersion: { Default: '/cdk-bootstrap/hnb659fds/version' } },
    Resources: {
      Key1: { Type: 'AWS::KMS::Key' },
      Secret1: { Type: 'AWS::SecretsManager::Secret', Properties: { KmsKeyId: { 'Fn::GetAtt': ['Key1', 'Arn'] } } },
      Attachment1: { Type: 'AWS::SecretsManager::SecretTargetAttachment', Properties: { SecretId: { Ref: 'Secret1' } } },
      Bucket1: { Type: 'AWS::S3::Bucket' },
      Logs1: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Join': ['-', ['aws-waf-logs', { Ref: 'AWS::Region' }]] } } },
      Rule1: { Type: 'AWS::Events::Rule' },
      Custom1: { Type: 'Custom::Thing' },
      SecretArnParameter: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/app/secret-arn', Type: 'String', Value: { Ref: 'Attachment1' } } },
    },
    Outputs: {
      SecretOut: { Value: { Ref: 'Attachment1' }, Export: { Name: 'App-Data:Secret' } },
      KeyOut: { Value: { 'Fn::GetAtt': ['Key1', 'Arn'] }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}:Key' } } },
    },
  },
};

const service: StackTemplate = {
  stackName: 'App-Service',
  account: ACCOUNT,
  region: 'eu-west-1',
  template: {
    Parameters: {
      SecretArnFromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/secret-arn' },
      MissingFromSsm: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/app/nobody-writes-this' },
    },
    Resources: { Role1: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'app-service-role' } } },
  },
};

const backup: StackTemplate = { stackName: 'App-Backup', account: ACCOUNT, region: 'eu-central-1', template: { Resources: { Key1: { Type: 'AWS::KMS::Key' } } } };

const resolver = new CfnResolver([data, service, backup]);

describe('CfnResolver', () => {
  it('resolves an SSM-typed parameter to the value another stack of the stage writes into it', () => {
    expect(resolver.resolve('App-Service', { Ref: 'SecretArnFromSsm' })).toBe(resolver.resolve('App-Data', { Ref: 'Secret1' }));
    expect(() => resolver.resolve('App-Service', { Ref: 'MissingFromSsm' })).toThrow(/no stack of this stage writes the SSM parameter \/app\/nobody-writes-this/);
  });

  it('builds deterministic ARNs from logical ids, in the stack\'s own account and region', () => {
    expect(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Key1', 'Arn'] })).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/Key1`);
    expect(resolver.resolve('App-Backup', { 'Fn::GetAtt': ['Key1', 'Arn'] })).toBe(`arn:aws:kms:eu-central-1:${ACCOUNT}:key/Key1`);
    expect(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Bucket1', 'Arn'] })).toBe('arn:aws:s3:::bucket1');
    expect(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Rule1', 'Arn'] })).toBe(`arn:aws:events:eu-west-1:${ACCOUNT}:rule/Rule1`);
  });

  it('uses the name a template gives a resource, resolving intrinsics inside it', () => {
    expect(resolver.resolve('App-Service', { 'Fn::GetAtt': ['Role1', 'Arn'] })).toBe(`arn:aws:iam::${ACCOUNT}:role/app-service-role`);
    expect(resolver.resolve('App-Data', { Ref: 'Logs1' })).toBe('aws-waf-logs-eu-west-1');
    // A log group's Arn attribute ends with ":*" as CloudFormation's does, so it covers its streams.
    expect(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Logs1', 'Arn'] })).toBe(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:aws-waf-logs-eu-west-1:*`);
  });

  it('resolves Ref of a secret attachment to the attached secret\'s ARN', () => {
    const secret = resolver.resolve('App-Data', { Ref: 'Secret1' });
    expect(secret).toBe(`arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:Secret1-AbCdEf`);
    expect(resolver.resolve('App-Data', { Ref: 'Attachment1' })).toBe(secret);
  });

  it('resolves an import to the same value as the exporting stack\'s resource', () => {
    expect(resolver.resolve('App-Service', { 'Fn::ImportValue': 'App-Data:Secret' })).toBe(resolver.resolve('App-Data', { Ref: 'Secret1' }));
    expect(resolver.resolve('App-Service', { 'Fn::ImportValue': 'App-Data:Key' })).toBe(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Key1', 'Arn'] }));
  });

  it('resolves Join, Sub (both forms), Select, Split, pseudo parameters and parameter defaults', () => {
    expect(resolver.resolve('App-Data', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Bucket1' }, '/*']] })).toBe('arn:aws:s3:::bucket1/*');
    expect(resolver.resolve('App-Data', { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/repo:${Key1.Arn}' })).toBe(
      `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/repo:arn:aws:kms:eu-west-1:${ACCOUNT}:key/Key1`,
    );
    expect(resolver.resolve('App-Data', { 'Fn::Sub': ['${Name}/x', { Name: { Ref: 'Bucket1' } }] })).toBe('bucket1/x');
    expect(resolver.resolve('App-Data', { 'Fn::Select': [1, { 'Fn::Split': [':', 'a:b:c'] }] })).toBe('b');
    expect(resolver.resolve('App-Data', { Ref: 'BootstrapVersion' })).toBe('/cdk-bootstrap/hnb659fds/version');
  });

  it('resolves intrinsics nested in policy documents and leaves literals alone', () => {
    const statement = { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [{ 'Fn::GetAtt': ['Key1', 'Arn'] }, '*'], Condition: { Bool: { 'aws:SecureTransport': 'true' } } };
    expect(resolver.resolve('App-Data', statement)).toEqual({ ...statement, Resource: [`arn:aws:kms:eu-west-1:${ACCOUNT}:key/Key1`, '*'] });
  });

  it('fails with the name of what it cannot resolve', () => {
    expect(() => resolver.resolve('App-Data', { 'Fn::ImportValue': 'Other:Thing' })).toThrow(/no stack of this stage exports Other:Thing/);
    expect(() => resolver.resolve('App-Data', { Ref: 'Missing' })).toThrow(/App-Data: no resource or parameter Missing/);
    expect(() => resolver.resolve('App-Data', { 'Fn::GetAtt': ['Key1', 'Nope'] })).toThrow(/Key1\.Nope \(AWS::KMS::Key\) is not supported/);
    expect(() => resolver.resolve('App-Data', { 'Fn::If': ['C', 'a', 'b'] })).toThrow(/intrinsic Fn::If is not supported/);
    expect(() => resolver.resolve('Nope', {})).toThrow(/unknown stack Nope/);
  });

  it('stands in for custom resource outputs, which only a deploy knows', () => {
    expect(resolver.resolve('App-Data', { 'Fn::GetAtt': ['Custom1', 'Outputs.Value'] })).toBe('Custom1.Outputs.Value');
  });
});
