import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * The key-policy statement that lets CloudWatch Logs in this region encrypt a log group
 * with a customer-managed key, scoped to log groups of this account and region.
 */
export function logsServiceKeyStatement(key: kms.IKey): iam.PolicyStatement {
  const stack = key.stack;
  return new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsOfThisAccount',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*` },
    },
  });
}

/** A rotating customer-managed key that CloudWatch Logs of this account and region may use. */
export function createLogsEncryptionKey(scope: Construct, id: string, description: string, removalPolicy = RemovalPolicy.RETAIN): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true, removalPolicy });
  key.addToResourcePolicy(logsServiceKeyStatement(key));
  return key;
}
