import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /**
   * Addresses that receive every notification (each must confirm the subscription once).
   * @default - no subscription
   */
  readonly emailAddresses?: string[];
  /**
   * Display name of the topic, shown as the sender of the e-mails.
   * @default - none
   */
  readonly displayName?: string;
  /**
   * Key that encrypts the topic.
   * @default - a new rotating customer managed key that CloudWatch alarms of this account may use
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * The SNS topic alarms notify: encrypted with a customer managed key, TLS-only, published
 * to by CloudWatch alarms of this account only.
 *
 * CloudWatch publishes to an encrypted topic with its own service principal, so the key
 * policy must let `cloudwatch.amazonaws.com` generate data keys and decrypt; the AWS managed
 * `alias/aws/sns` key cannot be used because its policy cannot be changed.
 */
export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  readonly encryptionKey: kms.IKey;
  /** The action to add to alarms: notify this topic. */
  readonly alarmAction: cloudwatchActions.SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };

    if (props.encryptionKey) {
      this.encryptionKey = props.encryptionKey;
    } else {
      const key = new kms.Key(this, 'Key', {
        description: 'Encrypts the alarm notification topic',
        enableKeyRotation: true,
        // Notifications are transient; nothing encrypted with the key outlives the topic.
        removalPolicy: RemovalPolicy.DESTROY,
      });
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowCloudWatchAlarmsToPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: fromThisAccount,
        }),
      );
      this.encryptionKey = key;
    }

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccount,
      }),
    );
    for (const address of props.emailAddresses ?? []) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(address));
    }
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);
  }

  /**
   * A target that lets one EventBridge rule of this account publish to the topic: the topic
   * policy names the rule (`aws:SourceArn`), the key policy lets EventBridge encrypt. (CDK's
   * `SnsTopic` target grants every rule of every account instead.)
   * Fails when the topic's key was imported, whose policy this construct cannot change.
   */
  eventRuleTarget(): events.IRuleTarget {
    return {
      bind: (rule) => {
        this.allowEventBridgeToEncrypt();
        this.topic.addToResourcePolicy(
          new iam.PolicyStatement({
            principals: [new iam.ServicePrincipal('events.amazonaws.com')],
            actions: ['sns:Publish'],
            resources: [this.topic.topicArn],
            conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn } },
          }),
        );
        return { arn: this.topic.topicArn, targetResource: this.topic };
      },
    };
  }

  private eventBridgeMayEncrypt = false;

  private allowEventBridgeToEncrypt(): void {
    if (this.eventBridgeMayEncrypt) return;
    const { statementAdded } = this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeRulesToPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // No aws:SourceAccount or aws:SourceArn here: the SNS guide ("Enable compatibility
        // between event sources from AWS services and encrypted topics") says EventBridge's
        // KMS requests for an encrypted topic do not carry them, so a condition on either
        // drops every event silently. Which rules may publish is the topic policy's
        // aws:SourceArn (above), which SNS does evaluate.
      }),
    );
    if (!statementAdded) {
      throw new Error(`AlarmTopic ${this.node.path}: encryptionKey was imported, so EventBridge cannot be allowed to use it; pass a key created in this app or let the topic create its own`);
    }
    this.eventBridgeMayEncrypt = true;
  }
}
