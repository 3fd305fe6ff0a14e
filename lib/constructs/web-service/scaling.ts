import { Duration } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import { WEB_SERVICE_DEFAULTS as D } from './defaults';
import type { WebServiceMetrics } from './metrics';
import type { ResolvedSettings } from './settings';

/** The service's scalable task count and its p99 step policy. */
export interface WebScaling {
  readonly scalableTarget: ecs.ScalableTaskCount;
  readonly latencyScalingPolicy: appscaling.StepScalingPolicy;
}

/**
 * Target tracking on CPU and on ALB requests per target, plus a step policy that adds
 * tasks while p99 latency is above the threshold. The target group must already be
 * attached to its listener: the request-count policy's resource label names both.
 */
export function createScaling(web: WebServiceMetrics, settings: ResolvedSettings): WebScaling {
  const scalableTarget = web.service.autoScaleTaskCount({ minCapacity: settings.minTasks, maxCapacity: settings.maxTasks });
  scalableTarget.scaleOnCpuUtilization('CpuScaling', {
    targetUtilizationPercent: settings.targetCpuUtilization,
    scaleOutCooldown: D.scaleOutCooldown,
    scaleInCooldown: D.scaleInCooldown,
  });
  // The resource label is "<alb full name>/<target group full name>"; CDK derives it
  // from the target group, which is why it must be attached to the listener first.
  scalableTarget.scaleOnRequestCount('RequestCountScaling', {
    requestsPerTarget: settings.targetRequestsPerTarget,
    targetGroup: web.targetGroup,
    scaleOutCooldown: D.scaleOutCooldown,
    scaleInCooldown: D.scaleInCooldown,
  });
  // Latency has no sensible target-tracking form (it does not fall in proportion to
  // added tasks), so a step policy adds 20 % while p99 is above the threshold for three
  // minutes and 50 % while it is above twice the threshold. It never scales in: the
  // target-tracking policies do that.
  const thresholdSeconds = settings.p99LatencyThresholdMs / 1000;
  scalableTarget.scaleOnMetric('P99LatencyScaling', {
    metric: web.metricTargetResponseTimeP99({ period: Duration.minutes(1) }),
    scalingSteps: [
      { upper: thresholdSeconds, change: 0 },
      { lower: thresholdSeconds, change: +20 },
      { lower: thresholdSeconds * 2, change: +50 },
    ],
    adjustmentType: appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY,
    minAdjustmentMagnitude: 1,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    cooldown: D.latencyScalingCooldown,
    metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
  });
  // ScalableTaskCount.scaleOnMetric returns nothing; the policy is a child of its target.
  const latencyScalingPolicy = scalableTarget.node.findChild('Target').node.findChild('P99LatencyScaling') as appscaling.StepScalingPolicy;
  return { scalableTarget, latencyScalingPolicy };
}
