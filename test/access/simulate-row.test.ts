import { describe, expect, it } from 'vitest';
import type { StackTemplate } from './cfn-resolver';
import { PolicyModel } from './policy-model';
import { type AccessRow, simulateRow } from './simulate-row';

const ACCOUNT = '111111111111';
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/Key`;
const LOG_GROUP = `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:app`;

/** A one-stack stage: a role allowed kms:Decrypt, a key whose policy may or may not delegate to IAM. */
function stage(options: { keyDelegatesToIam: boolean; managedPolicy?: string }): PolicyModel {
  const keyStatements: object[] = [
    {
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*` } },
    },
  ];
  if (options.keyDelegatesToIam) keyStatements.push({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' });
  const stacks: StackTemplate[] = [
    {
      stackName: 'App-Data',
      account: ACCOUNT,
      region: 'eu-west-1',
      template: {
        Resources: {
          Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Version: '2012-10-17', Statement: keyStatements } }, Metadata: { 'aws:cdk:path': 'App-Data/Key/Resource' } },
          Role: {
            Type: 'AWS::IAM::Role',
            Properties: { AssumeRolePolicyDocument: { Statement: [] }, ManagedPolicyArns: options.managedPolicy ? [options.managedPolicy] : [] },
            Metadata: { 'aws:cdk:path': 'App-Data/Role/Resource' },
          },
          RolePolicy: {
            Type: 'AWS::IAM::Policy',
            Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } }] } },
          },
        },
      },
    },
  ];
  return new PolicyModel(stacks);
}

const decrypt: AccessRow = { name: 'role decrypts', principal: { role: 'Data/Role' }, action: 'kms:Decrypt', resource: KEY_ARN, context: {}, expect: 'allow' };
const logsEncrypt = (logGroupArn: string): AccessRow => ({
  name: 'logs encrypts',
  principal: { service: 'logs.eu-west-1.amazonaws.com' },
  action: 'kms:GenerateDataKey',
  resource: KEY_ARN,
  context: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn },
  expect: 'allow',
});

describe('simulateRow', () => {
  it('needs the key policy as well as the identity policy for KMS', async () => {
    expect((await simulateRow(stage({ keyDelegatesToIam: true }), decrypt)).decision).toBe('allow');
    expect((await simulateRow(stage({ keyDelegatesToIam: false }), decrypt)).decision).toBe('deny');
  });

  it('evaluates kms:EncryptionContext:<key> conditions, which the simulator alone drops', async () => {
    const model = stage({ keyDelegatesToIam: false });
    expect((await simulateRow(model, logsEncrypt(LOG_GROUP))).decision).toBe('allow');
    expect((await simulateRow(model, logsEncrypt('arn:aws:logs:eu-west-1:999999999999:log-group:app'))).decision).toBe('deny');
  });

  it('refuses a row whose context key the simulator would ignore', async () => {
    const misspelt = { ...decrypt, context: { 'kms:ViaServise': 'secretsmanager.eu-west-1.amazonaws.com' } };
    await expect(simulateRow(stage({ keyDelegatesToIam: true }), misspelt)).rejects.toThrow(/ignores context keys kms:ViaServise/);
  });

  it('refuses a role with an AWS managed policy whose document it does not have', async () => {
    const model = stage({ keyDelegatesToIam: true, managedPolicy: 'arn:aws:iam::aws:policy/SomethingNew' });
    await expect(simulateRow(model, decrypt)).rejects.toThrow(/Data\/Role has managed policies whose documents are unknown .*: arn:aws:iam::aws:policy\/SomethingNew/);
  });

  it('refuses an action the simulator does not know', async () => {
    await expect(simulateRow(stage({ keyDelegatesToIam: true }), { ...decrypt, action: 'kms:Decrypto' })).rejects.toThrow(/not a valid request/);
  });
});
