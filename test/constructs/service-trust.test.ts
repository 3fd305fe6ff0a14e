import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { restrictServiceTrustToAccount } from '../../lib/constructs/internal/service-trust';
import { testApp } from '../support/app';

const stackIn = (account: string) => new Stack(testApp(), 'Test', { env: { account, region: 'eu-west-1' } });

describe('restrictServiceTrustToAccount', () => {
  it("lets the service assume the role only on behalf of the role's own account", () => {
    const stack = stackIn('123456789012');
    restrictServiceTrustToAccount(new iam.Role(stack, 'FlowLogs', { assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com') }));
    const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
  });

  it('refuses a construct that is not a role, naming its path', () => {
    const stack = stackIn('123456789012');
    expect(() => restrictServiceTrustToAccount(new sns.Topic(stack, 'Alarms'))).toThrow('restrictServiceTrustToAccount: Test/Alarms is not an IAM role');
  });
});
