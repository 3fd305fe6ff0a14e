import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { logRetention } from '../../lib/config/durations';

describe('logRetention', () => {
  it('maps a day count to the CloudWatch Logs retention of that many days', () => {
    expect(logRetention(30)).toBe(logs.RetentionDays.ONE_MONTH);
    expect(logRetention(3653)).toBe(logs.RetentionDays.TEN_YEARS);
  });

  it('refuses a day count CloudWatch does not offer, naming it', () => {
    expect(() => logRetention(10)).toThrow('10 days is not a CloudWatch Logs retention period');
  });
});
