import { describe, expect, it } from 'vitest';
import type { StackTemplate } from './cfn-resolver';
import { PolicyModel } from './policy-model';

const ACCOUNT = '111111111111';
const allow = (action: string, resource: unknown) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const path = (p: string) => ({ 'aws:cdk:path': `App-Service/${p}` });

const service: StackTemplate = {
  stackName: 'App-Service',
  account: ACCOUNT,
  region: 'eu-west-1',
  template: {
    Resources: {
      Role: {
        Type: 'AWS::IAM::Role',
        Metadata: path('Role/Resource'),
        Properties: {
          AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
          Policies: [{ PolicyName: 'Inline', PolicyDocument: allow('sqs:SendMessage', '*') }],
          ManagedPolicyArns: [{ Ref: 'Managed' }, 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
        },
      },
      Managed: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: allow('s3:GetObject', '*'), Roles: [{ Ref: 'Role' }] } },
      RolePolicy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }], PolicyDocument: allow('lambda:InvokeFunction', { 'Fn::GetAtt': ['Function', 'Arn'] }) } },
      Function: { Type: 'AWS::Lambda::Function', Metadata: path('Function/Resource') },
      Rule: { Type: 'AWS::Events::Rule' },
      Permission: {
        Type: 'AWS::Lambda::Permission',
        Properties: { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': ['Function', 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': ['Rule', 'Arn'] } },
      },
      Bucket: { Type: 'AWS::S3::Bucket' },
      BucketPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Bucket' }, PolicyDocument: allow('s3:PutObject', '*') } },
      LogsPolicy: { Type: 'AWS::Logs::ResourcePolicy', Properties: { PolicyName: 'delivery', PolicyDocument: JSON.stringify(allow('logs:PutLogEvents', '*')) } },
    },
  },
};

const model = new PolicyModel([service]);

describe('PolicyModel', () => {
  it('gives a role its inline, attached, customer managed (once) and AWS managed policies', () => {
    const role = model.role('Service/Role');
    expect(role.arn).toBe(`arn:aws:iam::${ACCOUNT}:role/Role`);
    expect(role.identityPolicies.map((p) => p.name)).toEqual([
      'App-Service/Role/Inline',
      'App-Service/Managed',
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      'App-Service/RolePolicy',
    ]);
    expect(role.identityPolicies[3].policy.Statement[0].Resource).toBe(`arn:aws:lambda:eu-west-1:${ACCOUNT}:function:Function`);
    expect(role.unmodelledManagedPolicies).toEqual([]);
  });

  it('uses a role\'s trust policy as the resource policy of assuming it', () => {
    expect(model.resourcePolicyFor(model.role('Service/Role').arn)?.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  });

  it('turns a Lambda permission into the function policy statement Lambda writes', () => {
    expect(model.resourcePolicyFor(model.attribute('Service/Function'))?.Statement).toEqual([
      {
        Sid: 'App-Service/Permission',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:Function`,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:events:eu-west-1:${ACCOUNT}:rule/Rule` } },
      },
    ]);
  });

  it('finds the bucket policy for an object and the account\'s logs policy for a log stream', () => {
    expect(model.resourcePolicyFor('arn:aws:s3:::bucket/some/key')?.Statement[0].Action).toBe('s3:PutObject');
    expect(model.resourcePolicyFor(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:any:log-stream:x`)?.Statement[0].Action).toBe('logs:PutLogEvents');
    expect(model.resourcePolicyFor(`arn:aws:logs:eu-central-1:${ACCOUNT}:log-group:any:log-stream:x`)).toBeUndefined();
    expect(model.resourcePolicyFor(`arn:aws:sqs:eu-west-1:${ACCOUNT}:queue`)).toBeUndefined();
  });

  it('addresses resources by construct path and names what it cannot find', () => {
    expect(model.has('Service/Function')).toBe(true);
    expect(model.has('Service/Nothing')).toBe(false);
    expect(model.has('Data/Function')).toBe(false);
    expect(() => model.locate('Service/Nothing')).toThrow(/no resource at Service\/Nothing/);
    expect(() => model.role('Service/Function')).toThrow(/Service\/Function is a AWS::Lambda::Function, not an IAM role/);
    expect(() => model.findByRef('AWS::SNS::Topic', 'arn:aws:sns:eu-west-1:1:t')).toThrow(/no AWS::SNS::Topic in this stage has Ref/);
  });
});
