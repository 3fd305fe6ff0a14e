import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { acceptAlarmWithoutAction } from '../../internal/nist';
import { alarmDescription } from '../runbook';

/** What one alarm watches and when it fires. */
export interface AlarmSpec {
  /** Construct id of the alarm. */
  readonly id: string;
  /** Suffix of the alarm name (after the factory's prefix), e.g. `service-latency-p99`; also its key in `byName`. */
  readonly name: string;
  /** What it means when the alarm fires, in a sentence or two. */
  readonly meaning: string;
  /**
   * Anchor of the runbook section that tells what to do.
   * @default `name` - the runbook has a heading per alarm, titled with the alarm's name suffix
   */
  readonly runbookAnchor?: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** @default evaluationPeriods */
  readonly datapointsToAlarm?: number;
  /** Always explicit: what a period without data means is a decision per alarm. */
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /**
   * Notify the topic. Building-block alarms that only feed a composite stay silent.
   * @default true
   */
  readonly notify?: boolean;
}

/** An alarm on values above the metric's anomaly-detection band (CloudWatch learns the band from two weeks of history). */
export interface AnomalyAlarmSpec extends Omit<AlarmSpec, 'threshold' | 'comparisonOperator'> {
  /** Width of the band in standard deviations. */
  readonly stdDevs: number;
}

/** A composite alarm: a rule over other alarms. */
export interface CompositeAlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly meaning: string;
  /** @default `name` */
  readonly runbookAnchor?: string;
  readonly rule: cloudwatch.IAlarmRule;
  /** @default true */
  readonly notify?: boolean;
}

export interface AlarmFactoryProps {
  /**
   * Runbook base URL or path; descriptions link `<runbookUrl>#<anchor>`.
   * @default - descriptions carry no runbook link
   */
  readonly runbookUrl?: string;
  /**
   * Action of every notifying alarm (for ALARM and back to OK).
   * @default - no action
   */
  readonly action?: cloudwatch.IAlarmAction;
  /**
   * Prefix of alarm names (`<prefix>-<name>`).
   * @default - CloudFormation generates the names
   */
  readonly namePrefix?: string;
}

/**
 * Builds alarms the same way every time: a name from the prefix, a description with its
 * meaning and runbook link, an explicit missing-data policy, and the notification action
 * on ALARM and OK (an operator who was paged learns when it is over). Keeps every alarm it
 * made, for the dashboard's alarm-status widgets.
 */
export class AlarmFactory {
  /** Every alarm made, by its `name`. */
  readonly byName: Record<string, cloudwatch.AlarmBase> = {};
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly compositeAlarms: cloudwatch.CompositeAlarm[] = [];

  constructor(private readonly props: AlarmFactoryProps) {}

  /** Every alarm that notifies, metric and composite. */
  get notifyingAlarms(): cloudwatch.IAlarm[] {
    return [...this.alarms, ...this.compositeAlarms].filter((alarm) => this.notifying.has(alarm));
  }

  private readonly notifying = new Set<cloudwatch.IAlarm>();

  alarmName(name: string): string | undefined {
    return this.props.namePrefix ? `${this.props.namePrefix}-${name}` : undefined;
  }

  createAlarm(scope: Construct, spec: AlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(scope, spec.id, {
      ...this.commonAlarmProps(spec),
      threshold: spec.threshold,
      comparisonOperator: spec.comparisonOperator,
    });
    return this.track(spec, alarm);
  }

  createAnomalyAlarm(scope: Construct, spec: AnomalyAlarmSpec): cloudwatch.Alarm {
    const alarm = new cloudwatch.AnomalyDetectionAlarm(scope, spec.id, {
      ...this.commonAlarmProps(spec),
      stdDevs: spec.stdDevs,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
    });
    return this.track(spec, alarm);
  }

  /** What every metric alarm of the factory shares: name, described meaning, evaluation. */
  private commonAlarmProps(spec: Omit<AlarmSpec, 'threshold' | 'comparisonOperator'>) {
    return {
      alarmName: this.alarmName(spec.name),
      alarmDescription: alarmDescription(spec.meaning, this.props.runbookUrl, spec.runbookAnchor ?? spec.name),
      metric: spec.metric,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? spec.evaluationPeriods,
      treatMissingData: spec.treatMissingData,
    };
  }

  private track<T extends cloudwatch.Alarm>(spec: Pick<AlarmSpec, 'name' | 'notify'>, alarm: T): T {
    this.alarms.push(alarm);
    this.register(spec.name, alarm, spec.notify);
    return alarm;
  }

  createCompositeAlarm(scope: Construct, spec: CompositeAlarmSpec): cloudwatch.CompositeAlarm {
    const alarm = new cloudwatch.CompositeAlarm(scope, spec.id, {
      compositeAlarmName: this.alarmName(spec.name),
      alarmDescription: alarmDescription(spec.meaning, this.props.runbookUrl, spec.runbookAnchor ?? spec.name),
      alarmRule: spec.rule,
    });
    this.compositeAlarms.push(alarm);
    this.register(spec.name, alarm, spec.notify);
    return alarm;
  }

  private register(name: string, alarm: cloudwatch.AlarmBase, notify = true): void {
    if (this.byName[name]) throw new Error(`Two alarms are named "${name}"`);
    this.byName[name] = alarm;
    if (!notify) {
      acceptAlarmWithoutAction(alarm, 'a building block that feeds a composite alarm, which notifies the alarm topic');
      return;
    }
    this.notifying.add(alarm);
    if (!this.props.action) return;
    alarm.addAlarmAction(this.props.action);
    alarm.addOkAction(this.props.action);
  }
}
