import { Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as shield from 'aws-cdk-lib/aws-shield';
import { Construct, type IDependable } from 'constructs';

/** What Shield Advanced's automatic application-layer mitigation rules do with matching requests. */
export enum ShieldMitigationAction {
  /** Block the requests the mitigation rules match. */
  BLOCK = 'BLOCK',
  /** Only count them (observe what Shield would have blocked). */
  COUNT = 'COUNT',
}

export interface ShieldProtectionProps {
  /** ARN of the resource to protect (an ALB, CloudFront distribution, Elastic IP, ...). */
  readonly resourceArn: string;
  /** Name of the protection (and of the protection group). Letters, digits, `-` and `_`. */
  readonly name: string;
  /**
   * Alarms that say the protected application is unhealthy. Shield Advanced uses the
   * resulting Route 53 health check for health-based detection: it detects attacks faster
   * and with fewer false positives while the application is unhealthy. Route 53 accepts
   * only standard-resolution alarms on one metric with Average, Minimum, Maximum, Sum or
   * SampleCount (no percentiles, no metric math), in the stack's region.
   */
  readonly healthAlarms: cloudwatch.IAlarm[];
  /**
   * Automatic application-layer DDoS mitigation (ALB and CloudFront only). Shield adds a
   * `ShieldMitigationRuleGroup` (priority 10,000,000) to the web ACL associated with the
   * resource; it shows as drift on the web ACL and must never be removed by hand.
   * @default - no automatic mitigation
   */
  readonly automaticMitigation?: {
    readonly action: ShieldMitigationAction;
    /** The web ACL association of the resource: Shield rejects the setting without one. */
    readonly webAclAssociation: IDependable;
  };
  /**
   * Also create a protection group holding this resource, so Shield detects and reports
   * on the group as a whole.
   * @default false
   */
  readonly protectionGroup?: boolean;
}

/**
 * A Shield Advanced protection with health-based detection: one Route 53
 * CLOUDWATCH_METRIC health check per alarm, combined by a CALCULATED health check that is
 * unhealthy as soon as any alarm fires (Shield accepts one health check per protection).
 *
 * The account must already have an active Shield Advanced subscription (a one-year
 * commitment, subscribed once per account outside CloudFormation); without it the
 * AWS::Shield::Protection resource fails to create.
 */
export class ShieldProtection extends Construct {
  readonly protection: shield.CfnProtection;
  /** The CALCULATED health check attached to the protection. */
  readonly healthCheck: route53.CfnHealthCheck;
  /** One CLOUDWATCH_METRIC health check per alarm. */
  readonly alarmHealthChecks: route53.CfnHealthCheck[];
  readonly protectionGroup?: shield.CfnProtectionGroup;

  constructor(scope: Construct, id: string, props: ShieldProtectionProps) {
    super(scope, id);
    if (props.healthAlarms.length === 0) throw new Error('healthAlarms must name at least one alarm (Shield health-based detection)');
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(props.name)) throw new Error(`name must be 1..128 letters, digits, "-" or "_" (got "${props.name}")`);
    const stack = Stack.of(this);

    this.alarmHealthChecks = props.healthAlarms.map(
      (alarm, index) =>
        new route53.CfnHealthCheck(this, `AlarmHealthCheck${index}`, {
          healthCheckConfig: {
            type: 'CLOUDWATCH_METRIC',
            alarmIdentifier: { name: alarm.alarmName, region: stack.region },
            // Before an alarm has data (a quiet period, a new deployment) keep the last
            // state, which starts as healthy.
            insufficientDataHealthStatus: 'LastKnownStatus',
          },
        }),
    );
    this.healthCheck = new route53.CfnHealthCheck(this, 'HealthCheck', {
      healthCheckConfig: {
        type: 'CALCULATED',
        childHealthChecks: this.alarmHealthChecks.map((check) => check.attrHealthCheckId),
        healthThreshold: this.alarmHealthChecks.length,
      },
      healthCheckTags: [{ key: 'Name', value: `${props.name}-shield-health` }],
    });

    this.protection = new shield.CfnProtection(this, 'Protection', {
      name: props.name,
      resourceArn: props.resourceArn,
      healthCheckArns: [
        stack.formatArn({ service: 'route53', region: '', account: '', resource: 'healthcheck', resourceName: this.healthCheck.attrHealthCheckId }),
      ],
      applicationLayerAutomaticResponseConfiguration: props.automaticMitigation
        ? {
            status: 'ENABLED',
            action: props.automaticMitigation.action === ShieldMitigationAction.BLOCK ? { block: {} } : { count: {} },
          }
        : undefined,
    });
    if (props.automaticMitigation) this.protection.node.addDependency(props.automaticMitigation.webAclAssociation);

    if (props.protectionGroup) {
      this.protectionGroup = new shield.CfnProtectionGroup(this, 'ProtectionGroup', {
        protectionGroupId: props.name,
        // One resource, or several that share the load evenly: their total is the signal.
        aggregation: 'SUM',
        pattern: 'ARBITRARY',
        members: [props.resourceArn],
      });
      this.protectionGroup.node.addDependency(this.protection);
    }
  }
}
