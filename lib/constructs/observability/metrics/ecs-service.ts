import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';

const ONE_MINUTE = Duration.minutes(1);

/**
 * Metrics of an ECS service: utilisation from AWS/ECS (service-level: Average is the
 * fleet, Maximum the busiest task) and task counts from Container Insights, which must be
 * enabled on the cluster.
 */
export class EcsServiceMetricFactory {
  private readonly dimensionsMap: Record<string, string>;

  constructor(service: ecs.IBaseService) {
    this.dimensionsMap = { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName };
  }

  cpuUtilization(statistic = 'Average', period = ONE_MINUTE): cloudwatch.Metric {
    return this.metric('AWS/ECS', 'CPUUtilization', statistic, period, `CPU % (${statistic.toLowerCase()})`);
  }

  memoryUtilization(statistic = 'Average', period = ONE_MINUTE): cloudwatch.Metric {
    return this.metric('AWS/ECS', 'MemoryUtilization', statistic, period, `Memory % (${statistic.toLowerCase()})`);
  }

  runningTasks(statistic = 'Minimum', period = ONE_MINUTE): cloudwatch.Metric {
    return this.metric('ECS/ContainerInsights', 'RunningTaskCount', statistic, period, 'Running tasks');
  }

  /** The count autoscaling asks for: its steps are the scaling activity. */
  desiredTasks(period = ONE_MINUTE): cloudwatch.Metric {
    return this.metric('ECS/ContainerInsights', 'DesiredTaskCount', 'Maximum', period, 'Desired tasks');
  }

  pendingTasks(period = ONE_MINUTE): cloudwatch.Metric {
    return this.metric('ECS/ContainerInsights', 'PendingTaskCount', 'Maximum', period, 'Pending tasks');
  }

  private metric(namespace: string, metricName: string, statistic: string, period: Duration, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace, metricName, dimensionsMap: this.dimensionsMap, statistic, period, label });
  }
}
