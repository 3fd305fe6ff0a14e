import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { FINDING_SEVERITIES, type FindingSeverity, GUARDDUTY_SEVERITY_FLOOR } from './defaults';

/** The services whose findings are routed, each by its own rule (and so its own metric). */
export type FindingSource = 'guardDuty' | 'securityHub' | 'inspector';

export interface FindingsRoutingProps {
  /** The sources to route. */
  readonly sources: readonly FindingSource[];
  /** The lowest severity routed. */
  readonly severityThreshold: FindingSeverity;
  /** Where the findings go: the pager (the stage's alarm topic). */
  readonly target: events.IRuleTarget;
  /**
   * Where Security Hub's failed control checks go instead of the pager: a fresh account fails
   * hundreds of them, and each is configuration work to plan, not an incident.
   * @default - they are not routed (Security Hub's console still lists them)
   */
  readonly failedControlsTarget?: events.IRuleTarget;
}

/** The product name Security Hub gives its own control (compliance) findings. */
export const SECURITY_HUB_CONTROL_PRODUCT = 'Security Hub';

/** The event pattern that matches one source's active findings at or above `threshold`. */
export function findingsPattern(source: FindingSource, threshold: FindingSeverity): events.EventPattern {
  const labels = FINDING_SEVERITIES.slice(FINDING_SEVERITIES.indexOf(threshold));
  switch (source) {
    case 'guardDuty':
      return { source: ['aws.guardduty'], detailType: ['GuardDuty Finding'], detail: { severity: [{ numeric: ['>=', GUARDDUTY_SEVERITY_FLOOR[threshold]] }] } };
    case 'inspector':
      return { source: ['aws.inspector2'], detailType: ['Inspector2 Finding'], detail: { severity: labels, status: ['ACTIVE'] } };
    case 'securityHub':
      return {
        source: ['aws.securityhub'],
        detailType: ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            Severity: { Label: labels },
            Workflow: { Status: ['NEW'] },
            RecordState: ['ACTIVE'],
            // Security Hub re-imports GuardDuty and Inspector findings, which their own
            // rules already route (without this each would page twice); its own control
            // checks go to the failed-controls rule, never to the pager.
            ProductName: [{ 'anything-but': ['GuardDuty', 'Inspector', SECURITY_HUB_CONTROL_PRODUCT] }],
          },
        },
      };
  }
}

/** The event pattern of Security Hub's own control checks that newly fail, of any severity. */
export function failedControlsPattern(): events.EventPattern {
  return {
    source: ['aws.securityhub'],
    detailType: ['Security Hub Findings - Imported'],
    detail: {
      findings: {
        ProductName: [SECURITY_HUB_CONTROL_PRODUCT],
        Compliance: { Status: ['FAILED'] },
        Workflow: { Status: ['NEW'] },
        RecordState: ['ACTIVE'],
      },
    },
  };
}

/**
 * EventBridge rules that send the threat and vulnerability findings (GuardDuty, Inspector,
 * and other products through Security Hub) at or above a severity to the pager, one rule per
 * source, and Security Hub's failed control checks to a separate, non-paging target.
 */
export class FindingsRouting extends Construct {
  /** The rule of each routed source. */
  readonly rules: Partial<Record<FindingSource, events.Rule>> = {};
  /** The rule of Security Hub's failed control checks, when `failedControlsTarget` is given. */
  readonly failedControlsRule?: events.Rule;

  constructor(scope: Construct, id: string, props: FindingsRoutingProps) {
    super(scope, id);
    for (const source of props.sources) {
      const rule = new events.Rule(this, source, {
        description: `${source} findings of severity ${props.severityThreshold} and above, to the alarm topic`,
        eventPattern: findingsPattern(source, props.severityThreshold),
      });
      rule.addTarget(props.target);
      this.rules[source] = rule;
    }
    if (props.failedControlsTarget) {
      this.failedControlsRule = new events.Rule(this, 'securityHubFailedControls', {
        description: 'Security Hub control checks that newly fail, to the compliance topic (not paged)',
        eventPattern: failedControlsPattern(),
      });
      this.failedControlsRule.addTarget(props.failedControlsTarget);
    }
  }

  /** Security Hub control checks that newly failed (events the rule matched), summed per `period`. */
  metricFailedControls(period = Duration.days(1)): cloudwatch.Metric {
    if (!this.failedControlsRule) throw new Error('FindingsRouting: failed controls are routed only when a failedControlsTarget is given');
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: { RuleName: this.failedControlsRule.ruleName },
      statistic: 'Sum',
      period,
      label: 'Security Hub failed controls',
    });
  }

  /** Findings routed from `source` (events the rule matched), summed per `period`. */
  metricFindings(source: FindingSource, period = Duration.hours(1)): cloudwatch.Metric {
    const rule = this.rules[source];
    if (!rule) throw new Error(`FindingsRouting: ${source} findings are not routed (routed: ${Object.keys(this.rules).join(', ') || 'none'})`);
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'MatchedEvents',
      dimensionsMap: { RuleName: rule.ruleName },
      statistic: 'Sum',
      period,
      label: `${source} findings`,
    });
  }
}
