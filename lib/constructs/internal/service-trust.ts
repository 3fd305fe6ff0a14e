import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/**
 * Adds `aws:SourceAccount` = this account to the trust policy of a role that an AWS
 * service assumes, so the service cannot be made to assume it on behalf of another account
 * (the confused-deputy problem). For roles CDK creates inside a higher-level construct (a
 * VPC flow log's, a backup selection's), whose trust statement has no API; an override
 * keeps the role's logical id, so deployed stacks update it in place.
 */
export function restrictServiceTrustToAccount(role: IConstruct): void {
  const cfnRole = role.node.defaultChild;
  if (!(cfnRole instanceof iam.CfnRole)) throw new Error(`restrictServiceTrustToAccount: ${role.node.path} is not an IAM role`);
  cfnRole.addPropertyOverride('AssumeRolePolicyDocument.Statement.0.Condition', {
    StringEquals: { 'aws:SourceAccount': Stack.of(role).account },
  });
}
