import { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Construct id of the singleton function behind every AwsCustomResource of a stack. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * Records why the AwsCustomResource provider of `scope`'s stack (a singleton CDK adds beside
 * the first custom resource) may carry AWSLambdaBasicExecutionRole: it runs only during
 * deployments, and its other permissions are the SDK calls of the stack's custom resources.
 */
export function acceptCustomResourceProviderLogging(scope: IConstruct): void {
  const provider = Stack.of(scope).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
  if (!provider) return;
  NagSuppressions.addResourceSuppressions(
    provider,
    [
      {
        id: 'AwsSolutions-IAM4',
        reason:
          "CDK's AwsCustomResource provider runs only during deployments and writes its own logs through AWSLambdaBasicExecutionRole; its other permissions are the SDK calls of this stack's custom resources, each granted on its own.",
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ],
    true,
  );
}
