import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';

/**
 * Every default of {@link WebService} in one place, with the reason for its value, so a
 * reviewer sees the whole secure baseline at a glance. The construct's props override
 * them one by one.
 */
export const WEB_SERVICE_DEFAULTS = {
  /** The app listens on PORT (3000 in its Dockerfile). */
  containerPort: 3000,
  /**
   * The app's liveness endpoint: the process is up, whatever the database does. Both the
   * container health check and the ALB target group ask it (see `targetHealthCheckPath`).
   */
  livenessPath: '/healthz',
  /** UID of the image's non-root `node` user; the container never runs as root. */
  user: '1000',
  /** The only writable path under the read-only root: scratch space some libraries need. */
  writablePaths: ['/tmp'],
  cpu: 1024,
  memoryLimitMiB: 2048,
  /**
   * Task- and container-level CPU, memory, network and storage metrics: what tells one
   * misbehaving task from the fleet. Billed as custom metrics per task and container
   * (the capacity model prices them: capacity/cost.ts).
   */
  containerInsights: ecs.ContainerInsights.ENHANCED,
  minTasks: 2,
  maxTasks: 10,
  targetCpuUtilization: 60,
  /** ALB requests per target per minute; the stage config sets this from `npm run bench`. */
  targetRequestsPerTarget: 60_000,
  p99LatencyThresholdMs: 50,
  /**
   * On SIGTERM the app fails readiness, finishes in-flight requests, closes its pool and
   * exits within its own SHUTDOWN_TIMEOUT_MS (20 s); ECS sends SIGKILL when the stop
   * timeout ends, so 30 s leaves headroom (Fargate allows at most 120 s).
   */
  stopTimeout: Duration.seconds(30),
  /**
   * ECS deregisters a task from the target group *before* it sends SIGTERM: the target
   * drains for this long (the ALB stops sending new requests within seconds; requests
   * already in flight may finish), then the task gets SIGTERM and its 30 s stop timeout.
   * An API with a 50 ms p99 needs far less than the 300 s ALB default, which would make
   * every deployment and scale-in wait five minutes per task. A little under the 30 s the
   * app is given to drain means no request the app would have finished is cut by the ALB,
   * and a task is gone within 25 + 30 s at worst.
   */
  deregistrationDelay: Duration.seconds(25),
  /**
   * Below the app's 65 s keep-alive timeout, so the ALB, not the app, closes idle
   * connections and never reuses one the app has just closed (which shows as sporadic 502s).
   */
  idleTimeout: Duration.seconds(60),
  /**
   * Time a new task may take to become ready (it runs migrations under an advisory lock at
   * start) before failing ALB health checks count against it.
   */
  healthCheckGracePeriod: Duration.seconds(60),
  /** ALB checks liveness every 10 s; two results either way move a target in ~20 s. */
  targetHealthCheckInterval: Duration.seconds(10),
  targetHealthCheckTimeout: Duration.seconds(5),
  healthyThresholdCount: 2,
  unhealthyThresholdCount: 2,
  /**
   * Target tracking scale-out: a Fargate task starts and passes two health checks in about
   * a minute, and the ALB metrics are one-minute sums, so reacting more often than every
   * 60 s would add capacity again before the last step has been measured.
   */
  scaleOutCooldown: Duration.seconds(60),
  /**
   * Target tracking scale-in: five minutes of steady load before removing tasks, so a
   * dip between bursts does not make the fleet flap (each removal also drains for 25 s).
   */
  scaleInCooldown: Duration.seconds(300),
  /**
   * The p99 step policy: two minutes covers one task start plus one metric period, so the
   * next step sees the effect of the previous one before adding more.
   */
  latencyScalingCooldown: Duration.seconds(120),
  /** Days the ALB access logs are kept in S3 before the lifecycle rule expires them. */
  accessLogRetentionDays: 90,
  /**
   * TLS 1.3 and 1.2 with forward-secret AEAD ciphers only, and the hybrid post-quantum key
   * exchange for TLS 1.3 clients that offer it.
   */
  sslPolicy: elbv2.SslPolicy.TLS13_12_RES_PQ,
} as const;

/** The longest stop timeout Fargate accepts. */
export const FARGATE_MAX_STOP_TIMEOUT = Duration.seconds(120);
