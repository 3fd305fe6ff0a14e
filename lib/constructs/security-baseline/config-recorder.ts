import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { skipCheckov } from '../internal/checkov';
import { restrictServiceTrustToAccount } from '../internal/service-trust';

export interface ConfigRecorderProps {
  /** How long delivered snapshots and history files are kept. */
  readonly historyRetention: Duration;
  /** How often a full configuration snapshot is delivered (`One_Hour` … `TwentyFour_Hours`). */
  readonly snapshotFrequency: string;
}

/**
 * The AWS Config recorder Security Hub's controls evaluate, with its delivery channel: every
 * supported resource type recorded, delivered to a versioned, KMS-encrypted, TLS-only bucket
 * that only this account's Config may write, through a role Config of this account assumes.
 */
export class ConfigRecorder extends Construct {
  readonly recorder: config.CfnConfigurationRecorder;
  readonly deliveryChannel: config.CfnDeliveryChannel;
  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.Key;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ConfigRecorderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    const deliveryPrefix = `AWSLogs/${stack.account}/Config/*`;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: 'Encrypts AWS Config snapshots and history',
      enableKeyRotation: true,
      // Configuration history is audit evidence: the key outlives the stack like the bucket.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: props.historyRetention, noncurrentVersionExpiration: props.historyRetention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('config.amazonaws.com'),
      description: 'AWS Config reads resource configurations and delivers them to its bucket',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWS_ConfigRole')],
    });
    restrictServiceTrustToAccount(this.role);
    // Delivery in the same account goes through the recorder's role: it may write under
    // Config's prefix only, and check the bucket's ACL as Config does before writing.
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(deliveryPrefix)] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetBucketAcl'], resources: [this.bucket.bucketArn] }));
    this.encryptionKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    // AWS's documented delivery policy for the Config service principal, scoped to this
    // account: an organization's Config (service-linked role) delivers through it.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowConfigOfThisAccountToCheckTheBucket',
        principals: [new iam.ServicePrincipal('config.amazonaws.com')],
        actions: ['s3:GetBucketAcl', 's3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: fromThisAccount,
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowConfigOfThisAccountToDeliver',
        principals: [new iam.ServicePrincipal('config.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(deliveryPrefix)],
        conditions: { StringEquals: { ...fromThisAccount.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      }),
    );

    this.recorder = new config.CfnConfigurationRecorder(this, 'Recorder', {
      roleArn: this.role.roleArn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
    });
    this.deliveryChannel = new config.CfnDeliveryChannel(this, 'DeliveryChannel', {
      s3BucketName: this.bucket.bucketName,
      s3KmsKeyArn: this.encryptionKey.keyArn,
      configSnapshotDeliveryProperties: { deliveryFrequency: props.snapshotFrequency },
    });
    // Config refuses a delivery channel before its recorder exists, and a recorder cannot
    // start delivering before its role may write.
    this.deliveryChannel.addResourceDependency(this.recorder);
    this.recorder.node.addDependency(this.role);

    NagSuppressions.addResourceSuppressions(this.bucket, [
      {
        id: 'NIST.800.53.R5-S3BucketLoggingEnabled',
        reason: 'See AwsSolutions-S1: only AWS Config writes here, and server access logs would need an unlogged bucket of their own.',
      },
      {
        id: 'NIST.800.53.R5-S3BucketReplicationEnabled',
        reason: 'AWS Config can rebuild its history from the resources themselves and Security Hub keeps its findings; the configuration history is versioned and retained here, and a copy in the backup region would add a second store of the same account metadata without a recovery need.',
      },
      {
        id: 'AwsSolutions-S1',
        reason:
          'Only AWS Config of this account writes here (role and bucket policy both scoped to its prefix); the bucket is versioned, KMS-encrypted, TLS-only and fully private. Server access logs would need a further bucket whose own access is unlogged; object-level API activity on it is a CloudTrail data-event concern of the account.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason: 'AWS_ConfigRole is the AWS-maintained read-only policy that follows every resource type Config can record; a hand-written copy would fall behind as types are added.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole'],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason: 'Config writes objects whose names it chooses under AWSLogs/<account>/Config/ of its own bucket; the wildcard covers only that prefix.',
          appliesTo: [{ regex: '/^Resource::<.*ConfigBucket[0-9A-F]{8}\\.Arn>\\/AWSLogs\\/.+\\/Config\\/\\*$/' }],
        },
      ],
      true,
    );
    skipCheckov(this.bucket, [{ id: 'CKV_AWS_18', comment: 'See the AwsSolutions-S1 reason: only AWS Config writes this bucket, and its server access logs would need an unlogged bucket of their own.' }]);
  }
}
