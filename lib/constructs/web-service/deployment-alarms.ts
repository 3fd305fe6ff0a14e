import { Duration, Names } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { acceptAlarmWithoutAction } from '../internal/nist';
import type { WebServiceMetrics } from './metrics';
import type { ResolvedSettings } from './settings';

const ROLLBACK_ALARM_IDS = ['RollbackOnErrors', 'RollbackOnLatency'] as const;

/**
 * Alarms ECS watches while a deployment runs: a new version that serves errors or is
 * slow goes back to the last completed deployment. They carry no actions; paging is
 * the monitoring's job. A minute with fewer than `rollbackMinRequestsPerMinute` requests
 * reads as 0: too few to judge an error share or a p99.
 */
export function enableRollbackAlarms(web: WebServiceMetrics, settings: ResolvedSettings): cloudwatch.Alarm[] {
  const { rollbackErrorRate: errorRate, rollbackMinRequestsPerMinute: minRequestsPerMinute, rollbackLatencyThresholdMs: latencyThresholdMs } = settings;
  const threeMinutes = { evaluationPeriods: 3, datapointsToAlarm: 3, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING };
  const whenBusy = (label: string, metric: cloudwatch.IMetric) =>
    new cloudwatch.MathExpression({
      expression: `IF(FILL(traffic, 0) >= ${minRequestsPerMinute}, value, 0)`,
      usingMetrics: { traffic: web.metricRequestCount(), value: metric },
      label: `${label} (minutes with at least ${minRequestsPerMinute} requests)`,
      period: Duration.minutes(1),
    });
  const [errorsId, latencyId] = ROLLBACK_ALARM_IDS;
  const alarms = [
    whenBusy('5xx error rate', web.metricServerErrorRate()).createAlarm(web, errorsId, {
      ...threeMinutes,
      alarmName: rollbackAlarmName(web, errorsId),
      alarmDescription: `Deployment guard: more than ${errorRate * 100} % of requests answered 5xx for three minutes; ECS rolls the deployment back.`,
      threshold: errorRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    }),
    whenBusy('p99 target response time', web.metricTargetResponseTimeP99()).createAlarm(web, latencyId, {
      ...threeMinutes,
      alarmName: rollbackAlarmName(web, latencyId),
      alarmDescription: `Deployment guard: p99 target response time above ${latencyThresholdMs} ms for three minutes; ECS rolls the deployment back.`,
      threshold: latencyThresholdMs / 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    }),
  ];
  for (const alarm of alarms) acceptAlarmWithoutAction(alarm, 'ECS watches it during deployments and rolls a failing one back; the Observability alarms page');
  web.service.enableDeploymentAlarms(
    ROLLBACK_ALARM_IDS.map((id) => rollbackAlarmName(web, id)),
    { behavior: ecs.AlarmBehavior.ROLLBACK_ON_ALARM },
  );
  return alarms;
}

/**
 * A fixed name derived from the construct path: the service then refers to its alarms
 * by a literal, not by a reference that CloudFormation must resolve first.
 */
function rollbackAlarmName(web: WebServiceMetrics, id: string): string {
  return Names.uniqueResourceName(web, { maxLength: 200, separator: '-' }) + `-${id}`;
}
