import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** Props of {@link WebService}. */
export interface WebServiceProps {
  /**
   * VPC of the load balancer and the tasks. With the default subnet selections it needs
   * public subnets (internet-facing load balancer) and private subnets with egress (tasks).
   */
  readonly vpc: ec2.IVpc;
  /**
   * Stage name, passed to the app as STAGE.
   * @default - no STAGE variable
   */
  readonly stage?: string;
  /**
   * Fully-qualified name the service answers on. With `hostedZone`, an alias record is
   * created for it (and, without `certificate`, a DNS-validated certificate).
   * @default - none: `certificate` is then required, and `url` is the load balancer's DNS name
   */
  readonly domainName?: string;
  /**
   * Hosted zone that holds `domainName` (import it by attributes; no lookups). Needs `domainName`.
   * @default - no alias record; `certificate` is then required
   */
  readonly hostedZone?: route53.IHostedZone;
  /**
   * Certificate on the HTTPS listener. With a certificate, `domainName` and `hostedZone`
   * are optional: the construct then creates no DNS record (point your own at
   * `loadBalancer.loadBalancerDnsName`).
   * @default - a new ACM certificate for `domainName`, validated by DNS in `hostedZone` (both then required)
   */
  readonly certificate?: acm.ICertificate;
  /**
   * The app's container image; must listen on `containerPort` and run as `user`.
   * @default - built at deploy time from the Dockerfile in the repository's `app/` directory (linux/arm64)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * The container health check ECS runs inside the app container.
   * @default - none when `image` is given (the ALB target health check still applies);
   * with the default image, asks `livenessPath` with `node -e` (that image has node but no curl or wget)
   */
  readonly containerHealthCheck?: ecs.HealthCheck;
  /**
   * Port the app listens on (also passed as PORT). At least 1024: the container runs as a
   * non-root user with every Linux capability dropped, so it cannot bind a privileged port.
   * @default 3000
   */
  readonly containerPort?: number;
  /**
   * Path the ALB target group checks. It should not depend on the database: during a
   * database outage a dependent check fails every target at once, and ECS replaces the
   * whole fleet (which cannot start either) instead of serving 503s until the database is
   * back. Draining needs no failing check: ECS deregisters a task before it stops it.
   * @default - `livenessPath`
   */
  readonly targetHealthCheckPath?: string;
  /**
   * Protocol from the load balancer to the tasks (and of its health check). HTTPS keeps
   * the ALB-to-task hop encrypted; the ALB does not verify target certificates, so the app
   * may serve a self-signed one (the project's app does with APP_TLS=self-signed). With the
   * default image's container health check, the probe then asks over HTTPS too.
   * @default elbv2.ApplicationProtocol.HTTP
   */
  readonly targetProtocol?: elbv2.ApplicationProtocol;
  /**
   * Path the container health check calls; answers 200 while the process is alive.
   * @default '/healthz'
   */
  readonly livenessPath?: string;
  /**
   * User the container runs as: a UID, `UID:GID` or a user name the image defines; must not
   * be root (`0` or `root`). A numeric UID need not exist in the image's /etc/passwd. The
   * process runs with every Linux capability dropped, whatever the user.
   * @default '1000' (the `node` user of the official Node.js images)
   */
  readonly user?: string;
  /**
   * Mount the container's root filesystem read-only; only `writablePaths` can be written.
   * @default true
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * Absolute paths inside the container that stay writable: each gets its own task-local
   * volume (bind mount, emptied when the task stops).
   * @default ['/tmp']
   */
  readonly writablePaths?: string[];
  /**
   * Fargate CPU units of a task (1024 = 1 vCPU).
   * @default 1024
   */
  readonly cpu?: number;
  /**
   * Memory of a task in MiB (must suit `cpu`).
   * @default 2048
   */
  readonly memoryLimitMiB?: number;
  /**
   * Fewest tasks autoscaling keeps; at least 2 keeps the service up when one AZ fails.
   * @default 2
   */
  readonly minTasks?: number;
  /**
   * Most tasks autoscaling may run (mind the database connections: maxTasks × pool size).
   * @default 10
   */
  readonly maxTasks?: number;
  /**
   * Average CPU utilisation (%) the CPU target-tracking policy holds.
   * @default 60
   */
  readonly targetCpuUtilization?: number;
  /**
   * ALB requests per target per minute the request-count target-tracking policy holds.
   * @default 60000
   */
  readonly targetRequestsPerTarget?: number;
  /**
   * p99 target response time (ms) above which the step policy adds tasks.
   * @default 50
   */
  readonly p99LatencyThresholdMs?: number;
  /**
   * Time between SIGTERM and SIGKILL; match the app's graceful-shutdown budget (max 120 s).
   * @default Duration.seconds(30)
   */
  readonly stopTimeout?: Duration;
  /**
   * How long a deregistered target drains before ECS sends SIGTERM.
   * @default Duration.seconds(25) - see WEB_SERVICE_DEFAULTS.deregistrationDelay for the reasoning
   */
  readonly deregistrationDelay?: Duration;
  /**
   * ALB idle connection timeout; keep it below the app's keep-alive timeout.
   * @default Duration.seconds(60)
   */
  readonly idleTimeout?: Duration;
  /**
   * TLS policy of the HTTPS listener.
   * @default elbv2.SslPolicy.TLS13_12_RES_PQ (TLS 1.3 and 1.2, AEAD ciphers, hybrid post-quantum key exchange)
   */
  readonly sslPolicy?: elbv2.SslPolicy;
  /**
   * Serve on IPv6 as well: dual-stack ALB, ::/0 ingress on 80/443 and an AAAA record.
   * The VPC's public subnets must have IPv6 CIDRs.
   * @default false
   */
  readonly dualStack?: boolean;
  /**
   * ALB deletion protection (turn on in production).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * An internet-facing load balancer (clients from any address) or an internal one (clients
   * from the VPC's CIDR only).
   * @default true
   */
  readonly internetFacing?: boolean;
  /**
   * Subnets of the load balancer.
   * @default - public subnets when `internetFacing`, else private subnets with egress
   */
  readonly loadBalancerSubnets?: ec2.SubnetSelection;
  /**
   * Subnets of the tasks (they get no public IP).
   * @default `{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }`
   */
  readonly taskSubnets?: ec2.SubnetSelection;
  /**
   * An existing ECS cluster to run the service in; it must be in `vpc`.
   * @default - a new cluster with `containerInsights`
   */
  readonly cluster?: ecs.ICluster;
  /**
   * Write ALB access logs to a new S3 bucket. The bucket policy names the region's ELB
   * log-delivery account, so this needs a stack with a concrete region (`env.region`);
   * the constructor refuses a region-agnostic stack instead of failing at synthesis.
   * @default true
   */
  readonly accessLogs?: boolean;
  /**
   * What happens to the resources that hold logs or keys (the access-log bucket, the
   * container log group and its new key) when they leave the stack. RETAIN keeps them as
   * evidence; DESTROY deletes them, the bucket with its objects (through CDK's
   * auto-delete custom resource), for short-lived stacks.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the container log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key encrypting the container log group.
   * @default - a new customer managed key with rotation
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Days ALB access logs stay in S3 before they expire.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Database credentials secret (JSON fields host, port, username, password, dbname),
   * injected as DB_HOST, DB_PORT, DB_USERNAME, DB_PASSWORD and DB_NAME, with DB_SSL=require.
   * The tasks also get DB_SECRET_ARN and read access to the secret: ECS injects secrets
   * only when a task starts, so after a scheduled rotation the app re-reads the password
   * itself instead of failing every new connection until the tasks are replaced.
   * @default - no database variables; the app falls back to its embedded database
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /**
   * The database the tasks connect to; its security group gets an ingress rule from the
   * tasks on `databasePort` (and the tasks an egress rule to it).
   * @default - no database rule
   */
  readonly database?: ec2.IConnectable;
  /**
   * Port of `database`.
   * @default 5432
   */
  readonly databasePort?: number;
  /**
   * Extra container variables, merged over the defaults (PORT, STAGE, TRUSTED_PROXY_HOPS,
   * DB_SSL). Never put secrets here: they would be readable in the task definition.
   * @default - only the defaults
   */
  readonly environment?: Record<string, string>;
  /**
   * Let the tasks open any outbound connection. When false they may reach HTTPS (AWS APIs,
   * ECR) and the database only.
   * @default false
   */
  readonly allowAllOutbound?: boolean;
  /**
   * ECS Exec (interactive shells in running tasks).
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
  /**
   * Roll a deployment back when, during it, the 5xx share of requests exceeds
   * `rollbackErrorRate` or the p99 exceeds `rollbackLatencyThresholdMs`, each for three minutes
   * in a row. The alarms live in this construct, so the service never names an alarm that
   * may not exist yet. Without it, the circuit breaker still rolls back deployments whose
   * tasks fail to start.
   * @default true
   */
  readonly rollbackOnAlarm?: boolean;
  /**
   * Share of requests (0..1) answered 5xx that rolls a deployment back.
   * @default 0.01
   */
  readonly rollbackErrorRate?: number;
  /**
   * Requests per minute the service must receive for a minute to count towards a rollback:
   * below it, a handful of errors or one slow request would be a 100 % error share or the
   * p99, and would roll back a healthy deployment.
   * @default 60
   */
  readonly rollbackMinRequestsPerMinute?: number;
  /**
   * p99 target response time that rolls a deployment back. Above the objective on purpose:
   * new tasks start cold and the least-outstanding-requests algorithm cannot ramp them
   * slowly, so a healthy deployment touches the objective for a minute or two.
   * @default - twice `p99LatencyThresholdMs`
   */
  readonly rollbackLatencyThresholdMs?: number;
  /**
   * Container Insights level of the new cluster (not with `cluster`).
   * @default ecs.ContainerInsights.ENHANCED
   */
  readonly containerInsights?: ecs.ContainerInsights;
}
