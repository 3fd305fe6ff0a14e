import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import {
  AVAILABILITY_BAD_RATIO_EXPRESSION,
  AVAILABILITY_IDS,
  LATENCY_BAD_RATIO_EXPRESSION,
  LATENCY_IDS,
  fastShareStatistic,
} from '../slo/burn-rate';

/** The load-balanced service whose requests the metrics count. */
export interface LoadBalancedTarget {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The target group of the service (attached to `loadBalancer`). */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
}

const ONE_MINUTE = Duration.minutes(1);

/**
 * Metrics of an ALB and its target group, one-minute periods unless told otherwise: the
 * ALB publishes per minute, and alarms and graphs want the freshest data. Request and
 * error counts are Sums; response time is in seconds (the ALB's unit).
 */
export class LoadBalancerMetricFactory {
  constructor(private readonly target: LoadBalancedTarget) {}

  requestCount(period = ONE_MINUTE): cloudwatch.Metric {
    return this.target.loadBalancer.metrics.requestCount({ period, statistic: 'Sum', label: 'Requests' });
  }

  /** Requests per second, averaged over each period. */
  requestsPerSecond(period = ONE_MINUTE): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: 'requests / PERIOD(requests)',
      usingMetrics: { requests: this.requestCount(period) },
      label: 'Requests/s',
      period,
    });
  }

  targetResponses(code: elbv2.HttpCodeTarget, period = ONE_MINUTE): cloudwatch.Metric {
    const label = `Target ${code.replace(/^HTTPCode_Target_|_Count$/g, '').toLowerCase()}`;
    return this.target.targetGroup.metrics.httpCodeTarget(code, { period, statistic: 'Sum', label });
  }

  loadBalancerResponses(code: elbv2.HttpCodeElb, period = ONE_MINUTE): cloudwatch.Metric {
    const label = `Load balancer ${code.replace(/^HTTPCode_ELB_|_Count$/g, '').toLowerCase()}`;
    return this.target.loadBalancer.metrics.httpCodeElb(code, { period, statistic: 'Sum', label });
  }

  targetErrors(period = ONE_MINUTE): cloudwatch.Metric {
    return this.targetResponses(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period);
  }

  loadBalancerErrors(period = ONE_MINUTE): cloudwatch.Metric {
    return this.loadBalancerResponses(elbv2.HttpCodeElb.ELB_5XX_COUNT, period);
  }

  /** Target response time (seconds) at `statistic`, e.g. `p99`. */
  responseTime(statistic: string, period = ONE_MINUTE): cloudwatch.Metric {
    return this.target.targetGroup.metrics.targetResponseTime({ period, statistic, label: statistic });
  }

  /** Target response time converted to milliseconds, for graphs against a millisecond objective. */
  responseTimeMs(statistic: string, period = ONE_MINUTE): cloudwatch.MathExpression {
    // Ids must differ between expressions shown on one graph.
    const id = `seconds_${statistic.replace(/\W/g, '_')}`.toLowerCase();
    return new cloudwatch.MathExpression({
      expression: `${id} * 1000`,
      usingMetrics: { [id]: this.responseTime(statistic, period) },
      label: `${statistic} (ms)`,
      period,
    });
  }

  /** Percentage (0..100) of requests answered within `thresholdMs` (CloudWatch PR statistic). */
  fastRequestPercentage(thresholdMs: number, period = ONE_MINUTE): cloudwatch.Metric {
    return this.target.targetGroup.metrics.targetResponseTime({
      period,
      statistic: fastShareStatistic(thresholdMs),
      label: `% within ${thresholdMs} ms`,
    });
  }

  healthyHosts(period = ONE_MINUTE): cloudwatch.Metric {
    return this.target.targetGroup.metrics.healthyHostCount({ period, statistic: 'Minimum', label: 'Healthy targets (min)' });
  }

  unhealthyHosts(period = ONE_MINUTE): cloudwatch.Metric {
    return this.target.targetGroup.metrics.unhealthyHostCount({ period, statistic: 'Maximum', label: 'Unhealthy targets (max)' });
  }

  /**
   * Percentage of requests answered with a 5xx by the app or the load balancer, 0 for a
   * period with fewer than `minRequests` requests (a handful of requests makes a ratio
   * that pages for one failed call).
   */
  serverErrorPercentage(minRequests: number, period = ONE_MINUTE): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: `IF(FILL(requests, 0) >= ${minRequests}, 100 * (FILL(targetErrors, 0) + FILL(elbErrors, 0)) / FILL(requests, 0), 0)`,
      usingMetrics: { requests: this.requestCount(period), targetErrors: this.targetErrors(period), elbErrors: this.loadBalancerErrors(period) },
      label: '5xx (% of requests)',
      period,
    });
  }

  /** Availability SLO: share (0..1) of requests answered with a 5xx over each `window`. */
  availabilityBadRatio(window: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: AVAILABILITY_BAD_RATIO_EXPRESSION,
      usingMetrics: {
        [AVAILABILITY_IDS.requests]: this.requestCount(window),
        [AVAILABILITY_IDS.targetErrors]: this.targetErrors(window),
        [AVAILABILITY_IDS.elbErrors]: this.loadBalancerErrors(window),
      },
      label: 'Share of requests failed (5xx)',
      period: window,
    });
  }

  /** Latency SLO: share (0..1) of requests slower than `thresholdMs` over each `window`. */
  latencyBadRatio(thresholdMs: number, window: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: LATENCY_BAD_RATIO_EXPRESSION,
      usingMetrics: {
        [LATENCY_IDS.requests]: this.requestCount(window),
        [LATENCY_IDS.fastShare]: this.fastRequestPercentage(thresholdMs, window),
      },
      label: `Share of requests slower than ${thresholdMs} ms`,
      period: window,
    });
  }
}
