import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/** Shield Advanced metrics of one protected resource (AWS/DDoSProtection, in the resource's region). */
export class ShieldMetricFactory {
  constructor(private readonly resourceArn: string) {}

  /** 1 while Shield detects a DDoS event against the resource, 0 otherwise. */
  ddosDetected(period = Duration.minutes(1)): cloudwatch.Metric {
    return this.metric('DDoSDetected', 'Maximum', period, 'DDoS detected');
  }

  /** Requests per second of the attack Shield detected (application-layer events). */
  ddosAttackRequestsPerSecond(period = Duration.minutes(1)): cloudwatch.Metric {
    return this.metric('DDoSAttackRequestsPerSecond', 'Maximum', period, 'Attack requests/s');
  }

  private metric(metricName: string, statistic: string, period: Duration, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/DDoSProtection',
      metricName,
      dimensionsMap: { ResourceArn: this.resourceArn },
      statistic,
      period,
      label,
    });
  }
}
