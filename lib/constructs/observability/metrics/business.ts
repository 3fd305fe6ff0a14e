import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The business events the app counts and publishes as Embedded Metric Format
 * (app/src/plugins/metrics.ts, BUSINESS_METRICS; a test keeps the two lists equal).
 */
export const BUSINESS_METRIC_NAMES = ['UsersRegistered', 'NotesCreated', 'DataExports', 'UsersErased', 'TokensRotated', 'DatabasePoolExhausted'] as const;
export type BusinessMetricName = (typeof BUSINESS_METRIC_NAMES)[number];

export interface BusinessMetricSource {
  /** Namespace the app writes to (its METRICS_NAMESPACE). */
  readonly namespace: string;
  /** Value of the `Stage` dimension (the app's STAGE). */
  readonly stage: string;
}

/**
 * The app's business counts. It writes a line only when something was counted, so a
 * period without data means zero events: graphs and alarms FILL with 0.
 */
export class BusinessMetricFactory {
  constructor(private readonly source: BusinessMetricSource) {}

  count(metricName: BusinessMetricName, period = Duration.minutes(5)): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.source.namespace,
      metricName,
      dimensionsMap: { Stage: this.source.stage },
      statistic: 'Sum',
      period,
      label: metricName,
    });
  }
}
