import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { AlarmFactory } from '../alarms';
import { BURN_RATE_POLICY, type BurnRateWindowPair, burnRateThreshold, errorBudget } from './burn-rate';

export interface SloBurnRateAlarmsProps {
  /** Alarm name stem, e.g. `slo-availability`: alarms are `<stem>-fast-burn`, `<stem>-fast-burn-1h`, ... */
  readonly name: string;
  /** What a bad event is, for the descriptions: "requests answered with a 5xx". */
  readonly badEvents: string;
  /** The objective, e.g. 0.999. */
  readonly target: number;
  /** The bad ratio (0..1) of each period of `window`; the window becomes the alarm period. */
  readonly badRatio: (window: Duration) => cloudwatch.IMetric;
  readonly alarmFactory: AlarmFactory;
  /**
   * The window pairs.
   * @default BURN_RATE_POLICY - fast 14.4x over 1 h and 5 min, slow 6x over 6 h and 30 min
   */
  readonly policy?: readonly BurnRateWindowPair[];
}

/** The alarms of one window pair. */
export interface BurnRateAlarms {
  readonly long: cloudwatch.Alarm;
  readonly short: cloudwatch.Alarm;
  /** ALARM(long) AND ALARM(short): the one that notifies. */
  readonly burn: cloudwatch.CompositeAlarm;
}

function windowLabel(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

/**
 * Multi-window, multi-burn-rate alerting for one SLO. Each window is a metric alarm on the
 * bad ratio with the window as its period (one evaluation period, so the alarm reads the
 * ratio over exactly that window); they stay silent. Each pair is a composite alarm,
 * ALARM(long) AND ALARM(short), that notifies: the long window proves the budget is
 * burning fast enough to matter, the short one that it still is. The pairs are separate
 * composites (together an OR), so the notification says which burn it is.
 */
export class SloBurnRateAlarms extends Construct {
  readonly pairs: Record<string, BurnRateAlarms> = {};
  readonly errorBudget: number;

  constructor(scope: Construct, id: string, props: SloBurnRateAlarmsProps) {
    super(scope, id);
    this.errorBudget = errorBudget(props.target);
    const percent = (value: number) => `${Number((value * 100).toPrecision(6))} %`;

    for (const pair of props.policy ?? BURN_RATE_POLICY) {
      const threshold = burnRateThreshold(props.target, pair.burnRate);
      const burnName = `${props.name}-${pair.name.toLowerCase()}-burn`;
      const windowAlarm = (minutes: number) => {
        const label = windowLabel(minutes);
        return props.alarmFactory.createAlarm(this, {
          id: `${pair.name}Burn${label}`,
          name: `${burnName}-${label}`,
          runbookAnchor: burnName,
          meaning:
            `Building block of ${burnName}: over the last ${label}, at least ${percent(threshold)} of ${props.badEvents} ` +
            `(${pair.burnRate}x the ${percent(this.errorBudget)} error budget of the ${percent(props.target)} objective). Does not notify on its own.`,
          metric: props.badRatio(Duration.minutes(minutes)),
          threshold,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // No requests means nothing was bad; the expressions already turn a quiet
          // period into 0, and no data at all must not hold a burn alarm up.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          notify: false,
        });
      };
      const long = windowAlarm(pair.longWindowMinutes);
      const short = windowAlarm(pair.shortWindowMinutes);
      const burn = props.alarmFactory.createCompositeAlarm(this, {
        id: `${pair.name}Burn`,
        name: burnName,
        meaning:
          `${pair.name} burn of the ${percent(props.target)} SLO: ${percent(threshold)} or more of ${props.badEvents} over both ` +
          `${windowLabel(pair.longWindowMinutes)} and ${windowLabel(pair.shortWindowMinutes)}, ${pair.burnRate}x the sustainable rate ` +
          `(${percent((pair.burnRate * pair.longWindowMinutes) / (30 * 24 * 60))} of the 30-day budget per ${windowLabel(pair.longWindowMinutes)}).`,
        rule: cloudwatch.AlarmRule.allOf(
          cloudwatch.AlarmRule.fromAlarm(long, cloudwatch.AlarmState.ALARM),
          cloudwatch.AlarmRule.fromAlarm(short, cloudwatch.AlarmState.ALARM),
        ),
      });
      this.pairs[pair.name] = { long, short, burn };
    }
  }

  /** The composite alarms that notify, fast first. */
  get burnAlarms(): cloudwatch.CompositeAlarm[] {
    return Object.values(this.pairs).map((pair) => pair.burn);
  }
}
