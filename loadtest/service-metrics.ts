/**
 * What CloudWatch saw while the run went on, per minute: the ALB's TargetResponseTime p99,
 * 5xx answers (from the targets and from the load balancer itself), requests, and the
 * service's running task count (Container Insights).
 */
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';

export interface ServiceMetricPoint {
  readonly time: string;
  readonly albP99Ms?: number;
  readonly server5xx?: number;
  readonly requests?: number;
  readonly runningTasks?: number;
}

export interface ServiceUnderTest {
  readonly loadBalancerFullName: string;
  readonly clusterName: string;
  readonly serviceName: string;
}

const PERIOD_SECONDS = 60;

function queries(service: ServiceUnderTest): MetricDataQuery[] {
  const alb = (id: string, metricName: string, stat: string): MetricDataQuery => ({
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metricName, Dimensions: [{ Name: 'LoadBalancer', Value: service.loadBalancerFullName }] }, Period: PERIOD_SECONDS, Stat: stat },
    ReturnData: true,
  });
  return [
    alb('albP99', 'TargetResponseTime', 'p99'),
    alb('target5xx', 'HTTPCode_Target_5XX_Count', 'Sum'),
    alb('elb5xx', 'HTTPCode_ELB_5XX_Count', 'Sum'),
    alb('requests', 'RequestCount', 'Sum'),
    {
      Id: 'tasks',
      MetricStat: {
        Metric: { Namespace: 'ECS/ContainerInsights', MetricName: 'RunningTaskCount', Dimensions: [{ Name: 'ClusterName', Value: service.clusterName }, { Name: 'ServiceName', Value: service.serviceName }] },
        Period: PERIOD_SECONDS,
        Stat: 'Average',
      },
      ReturnData: true,
    },
  ];
}

/** Per-minute points between `start` and `end`, oldest first (every page of GetMetricData). */
export async function fetchServiceMetrics(client: CloudWatchClient, service: ServiceUnderTest, start: Date, end: Date): Promise<ServiceMetricPoint[]> {
  const series = new Map<string, Map<string, number>>();
  let token: string | undefined;
  do {
    const page = await client.send(new GetMetricDataCommand({ MetricDataQueries: queries(service), StartTime: start, EndTime: end, NextToken: token, ScanBy: 'TimestampAscending' }));
    for (const result of page.MetricDataResults ?? []) {
      const values = series.get(result.Id!) ?? new Map<string, number>();
      (result.Timestamps ?? []).forEach((time, index) => values.set(time.toISOString(), result.Values![index]));
      series.set(result.Id!, values);
    }
    token = page.NextToken;
  } while (token);
  const times = [...new Set([...series.values()].flatMap((values) => [...values.keys()]))].sort();
  const at = (id: string, time: string) => series.get(id)?.get(time);
  return times.map((time) => {
    const target5xx = at('target5xx', time);
    const elb5xx = at('elb5xx', time);
    const albSeconds = at('albP99', time);
    return {
      time,
      albP99Ms: albSeconds === undefined ? undefined : Math.round(albSeconds * 1000 * 10) / 10,
      server5xx: target5xx === undefined && elb5xx === undefined ? undefined : (target5xx ?? 0) + (elb5xx ?? 0),
      requests: at('requests', time),
      runningTasks: at('tasks', time),
    };
  });
}
