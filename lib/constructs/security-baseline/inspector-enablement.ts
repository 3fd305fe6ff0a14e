import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { acceptCustomResourceProviderLogging } from '../internal/custom-resource-provider';

export interface InspectorEnablementProps {
  /** What Inspector scans (`ECR`, `LAMBDA`, `LAMBDA_CODE`, `EC2`). */
  readonly resourceTypes: readonly string[];
  /** Retention of the enabling function's log. */
  readonly logRetention: logs.RetentionDays;
  /** Key of the enabling function's log group. */
  readonly logEncryptionKey: kms.IKey;
  /**
   * Turn Inspector off for the resource types when the construct is removed. Inspector is
   * account-wide: other stacks and teams of the account lose their scans and findings with it,
   * so only an account that this stack alone uses should ask for it.
   * @default false
   */
  readonly disableOnDelete?: boolean;
}

/** The field of Inspector's Enable response that exists only when this account was enabled. */
const ENABLED_ACCOUNT_STATUS = 'accounts.0.status';

/**
 * Turns Amazon Inspector on for this account and region, for the given resource types.
 * CloudFormation has no resource for Inspector's account-level switch (aws-cdk-lib's
 * `aws_inspectorv2` has filters and CIS scans only), so a deployment-time SDK call does it,
 * with permission for exactly that call and the service-linked role Inspector creates on first
 * use. Removing the construct leaves Inspector on (see `disableOnDelete`).
 *
 * Enable reports an account it could not enable in `failedAccounts` and still answers 200, so
 * the call alone would look like success. An account that was enabled is listed in `accounts`
 * instead: `enabledStatus` reads its status from there, and the stack that outputs it
 * (as SecurityBaseline does) fails its deployment with "Vendor response doesn't contain
 * accounts.0.status" when Inspector refused; the enabling function's log has the error code.
 */
export class InspectorEnablement extends Construct {
  readonly resource: cr.AwsCustomResource;
  /** Inspector's status for this account after the call (ENABLING or ENABLED); unresolvable, failing the deployment, when Enable failed for it. */
  readonly enabledStatus: string;

  constructor(scope: Construct, id: string, props: InspectorEnablementProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const accountIds = [stack.account];
    const enable: cr.AwsSdkCall = {
      service: 'Inspector2',
      action: 'enable',
      parameters: { accountIds, resourceTypes: props.resourceTypes },
      physicalResourceId: cr.PhysicalResourceId.of(`inspector2-${stack.account}-${stack.region}`),
    };
    const disableOnDelete = props.disableOnDelete ?? false;
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      onCreate: enable,
      onUpdate: enable,
      onDelete: disableOnDelete ? { service: 'Inspector2', action: 'disable', parameters: { accountIds, resourceTypes: props.resourceTypes } } : undefined,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // Inspector's Enable and Disable act on the calling account and name no resource.
        new iam.PolicyStatement({ actions: disableOnDelete ? ['inspector2:Enable', 'inspector2:Disable'] : ['inspector2:Enable'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2' })],
          conditions: { StringEquals: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' } },
        }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'Logs', { retention: props.logRetention, encryptionKey: props.logEncryptionKey, removalPolicy: RemovalPolicy.DESTROY }),
    });

    this.enabledStatus = this.resource.getResponseField(ENABLED_ACCOUNT_STATUS);

    NagSuppressions.addResourceSuppressions(
      this.resource,
      [{ id: 'AwsSolutions-IAM5', reason: 'inspector2:Enable (and Disable) have no resource type: they act on the calling account, so IAM accepts only "*" for them.', appliesTo: ['Resource::*'] }],
      true,
    );
    acceptCustomResourceProviderLogging(this);
  }
}
