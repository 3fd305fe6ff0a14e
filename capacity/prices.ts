/**
 * Unit prices the cost model uses: one dated table, every price with where it came from.
 *
 * Dated 2026-12-01, compiled offline (no internet; sources read through a search index of
 * stored public pages). Most sources quote US East (N. Virginia) list prices; the stages
 * run in eu-west-1 (Ireland), where several of these are a few percent higher. Each row
 * says which region its figure was verified for; `verified: false` marks a figure that no
 * stored source confirmed (taken from the AWS price list as remembered), to be checked on
 * the AWS pricing pages before the numbers are used for a budget.
 */
export interface UnitPrice {
  readonly usd: number;
  readonly unit: string;
  /** Region the figure was verified for (or `all` where AWS prices it the same everywhere). */
  readonly region: 'us-east-1' | 'eu-west-1' | 'all';
  readonly source: string;
  readonly verified: boolean;
}

export const PRICES_AS_OF = '2026-12-01';
export const PRICED_REGION = 'eu-west-1';

const price = (usd: number, unit: string, region: UnitPrice['region'], source: string, verified = true): UnitPrice => ({ usd, unit, region, source, verified });

export const PRICES = {
  albHour: price(0.0225, 'per ALB-hour', 'us-east-1', 'https://handbook.vantage.sh/aws/services/elb-pricing (dimensions); hourly figure from the AWS ELB pricing page as remembered', false),
  albLcuHour: price(0.008, 'per LCU-hour', 'us-east-1', 'https://aws.darcy-it.com/elb%E3%81%AE%E3%82%B3%E3%82%B9%E3%83%88%E6%96%99%E9%87%91/ (0.008 USD per LCU-hour)'),
  fargateArmVcpuHour: price(0.03238, 'per vCPU-hour, Linux/ARM', 'us-east-1', 'https://vantage.sh/blog/fargate-pricing (Linux/ARM $0.03238 per vCPU-hour)'),
  fargateArmGbHour: price(0.00356, 'per GB-hour, Linux/ARM', 'us-east-1', 'https://vantage.sh/blog/fargate-pricing (Linux/ARM $0.00356 per GB-hour)'),
  auroraR7gXlargeHour: price(0.553, 'per db.r7g.xlarge instance-hour, Aurora Standard', 'us-east-1', 'AWS Aurora pricing page as remembered; no stored source gave the instance rate', false),
  auroraAcuHour: price(0.12, 'per ACU-hour, Serverless v2, Aurora Standard', 'us-east-1', 'AWS Aurora pricing page as remembered', false),
  auroraStorageGbMonth: price(0.1, 'per GB-month, Aurora Standard', 'us-east-1', 'https://www.cloudexmachina.io/blog/aws-aurora-pricing ($0.10/GB-month, US East)'),
  auroraIoMillion: price(0.2, 'per million I/O requests, Aurora Standard', 'us-east-1', 'https://www.jusdb.com/blog/aws-rds-vs-aurora-vs-serverless-cost-comparison ($0.20 per million I/Os)'),
  backupStorageGbMonth: price(0.021, 'per GB-month of backup/snapshot storage beyond the free allowance', 'us-east-1', 'https://www.cloudexmachina.io/blog/aws-aurora-pricing ($0.021/GB-month)'),
  interRegionTransferGb: price(0.02, 'per GB copied to another region', 'us-east-1', 'AWS data transfer pricing as remembered (inter-region, from EU and US regions)', false),
  natHour: price(0.045, 'per NAT gateway-hour', 'us-east-1', 'https://basavytix.com/blog/aws-nat-gateway-pricing ($0.045/hr, us-east-1; Europe ~$0.048 per cloudpipelines.pages.dev)'),
  natGb: price(0.045, 'per GB processed by NAT', 'us-east-1', 'https://basavytix.com/blog/aws-nat-gateway-pricing ($0.045/GB, us-east-1)'),
  interfaceEndpointHour: price(0.01, 'per interface endpoint per AZ-hour', 'us-east-1', 'https://www.egresscost.com/nat-gateway (VPC endpoint $7.20/AZ-month = $0.01/h)'),
  wafWebAclMonth: price(5, 'per web ACL-month', 'all', 'https://c3x.dev/blog/aws-waf-cost-explained/ and AWS blog "Cost-effective ways for securing your web applications using AWS WAF" (same in all regions)'),
  wafRuleMonth: price(1, 'per rule or rule group-month', 'all', 'https://c3x.dev/blog/aws-waf-cost-explained/'),
  wafRequestsMillion: price(0.6, 'per million requests inspected', 'all', 'https://c3x.dev/blog/aws-waf-cost-explained/'),
  // Intelligent threat mitigation rule groups carry their own fees, which Shield Advanced does not cover (it covers the
  // standard web ACL, rule and request fees only: https://docs.aws.amazon.com/waf/latest/developerguide/ddos-app-layer-protections.html).
  wafAntiDdosMonth: price(20, 'per web ACL-month using the anti-DDoS managed rule group (AWSManagedRulesAntiDDoSRuleSet)', 'all', 'AWS WAF pricing page as remembered; https://aws.github.io/aws-security-services-best-practices/guides/waf/aws-managed-rules/docs/ says DDoS Protection rule groups have additional per-request charges, without the rates', false),
  wafAntiDdosRequestsMillion: price(0.15, 'per million requests inspected by the anti-DDoS managed rule group', 'all', 'AWS WAF pricing page as remembered (see wafAntiDdosMonth)', false),
  wafBotControlMonth: price(10, 'per web ACL-month using Bot Control (common inspection level)', 'all', 'AWS WAF pricing page as remembered; the AWS best-practices guide above confirms Bot Control has its own charges, without the rates', false),
  wafBotControlRequestsMillion: price(1, 'per million requests inspected by Bot Control (common), beyond the 10 million a month included', 'all', 'AWS WAF pricing page as remembered (see wafBotControlMonth)', false),
  // The subscription covers the standard WAF fees of protected resources: https://docs.aws.amazon.com/en_us/waf/latest/developerguide/ddos-advanced-summary-deciding.html
  shieldAdvancedMonth: price(3000, 'per organization-month (plus data transfer out fees, not modelled)', 'all', 'https://www.techtarget.com/searchcloudcomputing/tip/Which-should-I-choose-AWS-Shield-vs-WAF-vs-Firewall-Manager'),
  logsIngestGb: price(0.5, 'per GB ingested into CloudWatch Logs', 'us-east-1', 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ ($0.50/GB; eu-west-1 is higher)'),
  customMetricMonth: price(0.3, 'per custom metric-month (first 10,000)', 'us-east-1', 'https://signoz.io/guides/cloudwatch-pricing ($0.30/month for the first 10,000)'),
  alarmMonth: price(0.1, 'per standard-resolution alarm metric-month', 'us-east-1', 'https://002-workshop-application-performance-monitoring.huyanh.click/5-optimization ($0.10 / alarm / month)'),
  dashboardMonth: price(3, 'per custom dashboard-month', 'us-east-1', 'https://www.factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/ ($3 each)'),
  xrayTracesMillion: price(5, 'per million traces recorded', 'us-east-1', 'AWS X-Ray pricing page as remembered (a stored workshop page quotes $2.50 per million segments instead)', false),
  rumEventsHundredThousand: price(1, 'per 100,000 RUM events', 'us-east-1', 'AWS CloudWatch RUM pricing as remembered; https://aws.amazon.com/cloudwatch/pricing/ lists RUM (free trial of 1 million events) without the rate in the stored excerpt', false),
} as const satisfies Record<string, UnitPrice>;

export type PriceId = keyof typeof PRICES;

/** Hours in an average month (8,760 / 12), as AWS's calculator uses. */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
