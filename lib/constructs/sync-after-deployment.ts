import { createHash } from 'node:crypto';
import { Lazy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acceptCustomResourceProviderLogging } from './internal/custom-resource-provider';

export interface SyncAfterDeploymentProps {
  /** The function that fills the IP sets. */
  readonly syncFunction: lambda.IFunction;
  /** The IP sets whose addresses the function owns. */
  readonly ipSets: wafv2.CfnIPSet[];
  /** Log group of the deployment-time invoker (CDK's AwsCustomResource provider). */
  readonly logGroup: logs.ILogGroup;
}

/**
 * Starts the IP-set sync (asynchronously, without Lambda retries) when the stack is
 * created and again whenever a deployment changes one of the IP sets: CloudFormation
 * writes an IP set's template addresses (none) back on any update of it, and would
 * otherwise leave the block list empty until the next scheduled run. The sync's outcome
 * never fails the deployment: it depends on outside reputation feeds, and its failures
 * raise the sync alarms like any scheduled run.
 */
export class SyncAfterDeployment extends Construct {
  readonly resource: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: SyncAfterDeploymentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Resolved at synthesis, after aspects have added tags: any property CloudFormation
    // would update on an IP set changes this revision, and so re-runs the sync.
    const ipSetsRevision = Lazy.string({
      produce: () =>
        createHash('sha256')
          .update(JSON.stringify(props.ipSets.map((set) => stack.resolve({ name: set.name, description: set.description, version: set.ipAddressVersion, tags: set.tags.renderTags() }))))
          .digest('hex')
          .slice(0, 16),
    });
    const invokeSync: cr.AwsSdkCall = {
      service: 'Lambda',
      action: 'invoke',
      parameters: {
        FunctionName: props.syncFunction.functionName,
        InvocationType: 'Event',
        Payload: JSON.stringify({ source: 'bulwark.deployment', ipSetsRevision }),
      },
      physicalResourceId: cr.PhysicalResourceId.of('ip-set-sync-after-deployment'),
    };
    this.resource = new cr.AwsCustomResource(this, 'Invoke', {
      onCreate: invokeSync,
      onUpdate: invokeSync,
      policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.syncFunction.functionArn] })]),
      installLatestAwsSdk: false,
      logGroup: props.logGroup,
    });
    for (const set of props.ipSets) this.resource.node.addDependency(set);

    acceptCustomResourceProviderLogging(this);
  }
}
