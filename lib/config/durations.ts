import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * The CloudWatch Logs retention enum value for a day count. Config holds plain numbers;
 * validation has already restricted them to the periods CloudWatch accepts.
 */
export function logRetention(days: number): logs.RetentionDays {
  const retention = Object.values(logs.RetentionDays).find((value) => value === days);
  if (retention === undefined) throw new Error(`${days} days is not a CloudWatch Logs retention period`);
  return retention as logs.RetentionDays;
}
