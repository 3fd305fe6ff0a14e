/**
 * The example's one stack: Bulwark's WebService, EdgeProtection and AuroraDatabase composed
 * differently from Bulwark's own stage (see standalone-app.ts).
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AuroraDatabase, EdgeProtection, WebService } from '../lib';

/** nginx that runs as uid 101 on 8080 and writes only to /tmp: fits WebService's read-only, non-root task. */
export const EXAMPLE_IMAGE = 'public.ecr.aws/nginx/nginx-unprivileged:stable-alpine';
export const EXAMPLE_PORT = 8080;
/** The team's own certificate; its DNS lives elsewhere, so the stack creates no record. */
export const EXAMPLE_CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/00000000-1111-2222-3333-444444444444';

const AVAILABILITY_ZONES = ['us-east-1a', 'us-east-1b'];

export class ShopStack extends Stack {
  readonly vpc: ec2.Vpc;
  readonly database: AuroraDatabase;
  /** The team's ECS cluster, shared by its other services. */
  readonly cluster: ecs.Cluster;
  readonly web: WebService;
  readonly edge: EdgeProtection;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.50.0.0/20'),
      availabilityZones: AVAILABILITY_ZONES,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 },
      ],
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.REJECT } },
    });

    this.database = new AuroraDatabase(this, 'Database', {
      vpc: this.vpc,
      serverless: { minCapacity: 0.5, maxCapacity: 2 },
      // Writer-only: a small shop accepts a slower failover for half the instances.
      readers: 0,
      databaseName: 'shop',
      masterUsername: 'shop_admin',
      backupRetention: Duration.days(10),
      deletionProtection: true,
      logRetention: logs.RetentionDays.ONE_MONTH,
    });

    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    this.web = new WebService(this, 'Web', {
      vpc: this.vpc,
      cluster: this.cluster,
      // Certificate only: no hosted zone, no DNS record; the team points its own name at the load balancer.
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', EXAMPLE_CERTIFICATE_ARN),
      image: ecs.ContainerImage.fromRegistry(EXAMPLE_IMAGE),
      containerPort: EXAMPLE_PORT,
      user: '101',
      livenessPath: '/',
      cpu: 256,
      memoryLimitMiB: 512,
      minTasks: 2,
      maxTasks: 6,
      // The construct injects the secret's fields as DB_* variables and opens 5432 to the tasks.
      databaseSecret: this.database.secret,
      database: this.database,
      environment: { SHOP_REGION: 'us-east-1' },
      // A given image gets no container health check unless asked: this one has busybox wget.
      containerHealthCheck: {
        command: ['CMD-SHELL', `wget -q -O /dev/null http://127.0.0.1:${EXAMPLE_PORT}/ || exit 1`],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
    });

    this.edge = new EdgeProtection(this, 'Edge', {
      resourceArn: this.web.loadBalancer.loadBalancerArn,
      name: 'shop-web',
      rateLimitPerIp: 500,
      rateLimitPerUser: 300,
      rateLimitWindow: Duration.minutes(1),
      botControl: true,
      allowedAddresses: ['198.51.100.0/24'],
      // No blocklistSource: the team keeps no blocklist, so no sync function is built.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  /** Explicit zones: a stack bound to an account would otherwise look them up, and synthesis would need AWS credentials. */
  override get availabilityZones(): string[] {
    return AVAILABILITY_ZONES;
  }
}
