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
  /** Where the findings go. */
  readonly target: events.IRuleTarget;
}

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
            // rules already route: without this each would page twice.
            ProductName: [{ 'anything-but': ['GuardDuty', 'Inspector'] }],
          },
        },
      };
  }
}

/**
 * EventBridge rules that send the findings of GuardDuty, Security Hub and Inspector at or
 * above a severity to a target (the stage's alarm topic), one rule per source.
 */
export class FindingsRouting extends Construct {
  /** The rule of each routed source. */
  readonly rules: Partial<Record<FindingSource, events.Rule>> = {};

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
