import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** Health metrics of a Lambda function (Sums). */
export class LambdaMetricFactory {
  constructor(private readonly fn: lambda.IFunction) {}

  errors(period = Duration.hours(1)): cloudwatch.Metric {
    return this.fn.metricErrors({ period, statistic: 'Sum' });
  }

  throttles(period = Duration.hours(1)): cloudwatch.Metric {
    return this.fn.metricThrottles({ period, statistic: 'Sum' });
  }

  invocations(period = Duration.hours(1)): cloudwatch.Metric {
    return this.fn.metricInvocations({ period, statistic: 'Sum' });
  }
}
