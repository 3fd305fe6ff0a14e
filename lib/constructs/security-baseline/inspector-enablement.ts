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

/**
 * Turns Amazon Inspector on for this account and region, for the given resource types.
 * CloudFormation has no resource for Inspector's account-level switch (aws-cdk-lib's
 * `aws_inspectorv2` has filters and CIS scans only), so a deployment-time SDK call does it,
 * with permission for exactly that call and the service-linked role Inspector creates on first
 * use. Removing the construct leaves Inspector on (see `disableOnDelete`).
 *
 * Known gap: Enable reports an account it could not enable in `failedAccounts` and still
 * answers 200, so a refusal looks like success here. Failing the deployment on a missing
 * `accounts.0.status` was tried and withdrawn: Enable may also list an account that is
 * already enabled in `failedAccounts` (errorCode ALREADY_ENABLED, which Terraform's enabler
 * treats as success), and then every update and every re-creation after a delete (Inspector
 * stays on) would fail. The fix is a small provider function that treats ALREADY_ENABLED and
 * ENABLE_IN_PROGRESS as success and polls BatchGetAccountStatus; until then Security Hub's
 * Inspector controls report an account where Inspector is off.
 */
export class InspectorEnablement extends Construct {
  readonly resource: cr.AwsCustomResource;

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

    NagSuppressions.addResourceSuppressions(
      this.resource,
      [{ id: 'AwsSolutions-IAM5', reason: 'inspector2:Enable (and Disable) have no resource type: they act on the calling account, so IAM accepts only "*" for them.', appliesTo: ['Resource::*'] }],
      true,
    );
    acceptCustomResourceProviderLogging(this);
  }
}
