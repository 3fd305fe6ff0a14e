import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { defaultMaxConnections, instanceMemoryBytes, serverlessMemoryBytes } from './aurora-capacity';
import { AuroraClusterMetrics } from './aurora-cluster-metrics';
import { acceptDisabledDeletionProtection } from './internal/nist';

/** Serverless v2 capacity range, in Aurora capacity units. */
export interface AuroraServerlessCapacity {
  readonly minCapacity: number;
  readonly maxCapacity: number;
}

/** Props of {@link AuroraDatabase}. */
export interface AuroraDatabaseProps {
  readonly vpc: ec2.IVpc;
  /**
   * Where the instances live. Isolated subnets: the database never needs the internet.
   * @default `{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }`
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Where the secret-rotation Lambda runs; it needs to reach Secrets Manager.
   * @default `{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }`
   */
  readonly rotationSubnets?: ec2.SubnetSelection;
  /**
   * Engine version.
   * @default rds.AuroraPostgresEngineVersion.VER_17_9
   */
  readonly engineVersion?: rds.AuroraPostgresEngineVersion;
  /**
   * Provisioned instance type of the writer and readers. Mutually exclusive with `serverless`.
   * @default - Serverless v2 with `serverless` capacity
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Serverless v2 capacity. Mutually exclusive with `instanceType`.
   * @default `{ minCapacity: 0.5, maxCapacity: 8 }` when `instanceType` is not set
   */
  readonly serverless?: AuroraServerlessCapacity;
  /**
   * Readers besides the writer, 0 to 15. Each sits in promotion tier 1 (and, on Serverless
   * v2, scales with the writer) so a failover promotes a reader that already carries the
   * load. With 0 the cluster is writer-only: cheaper, but a failover then creates a new
   * instance, which takes minutes instead of seconds.
   * @default 1
   */
  readonly readers?: number;
  /** @default 'app' */
  readonly databaseName?: string;
  /** @default 'bulwark_admin' */
  readonly masterUsername?: string;
  /**
   * Automated backup retention (at least 7 days).
   * @default Duration.days(7)
   */
  readonly backupRetention?: Duration;
  /**
   * Daily backup window in UTC (hh24:mi-hh24:mi).
   * @default '02:00-03:00'
   */
  readonly preferredBackupWindow?: string;
  /**
   * Weekly maintenance window in UTC (ddd:hh24:mi-ddd:hh24:mi).
   * @default 'sun:04:00-sun:05:00'
   */
  readonly preferredMaintenanceWindow?: string;
  /** @default true */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when it leaves the stack. SNAPSHOT keeps a final snapshot.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * What happens to the new encryption key when it leaves the stack. Retained by default:
   * the final snapshot and every copy of it can only be read with this key. DESTROY
   * schedules its deletion (after the 30-day waiting period), for stacks whose data may go.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
  /**
   * Retention of the exported postgresql log.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Days between automatic rotations of the master password.
   * @default Duration.days(30)
   */
  readonly secretRotation?: Duration;
  /**
   * Enhanced monitoring granularity.
   * @default Duration.seconds(60)
   */
  readonly monitoringInterval?: Duration;
  /**
   * Database Insights mode. ADVANCED keeps 15 months of Performance Insights history.
   * @default rds.DatabaseInsightsMode.ADVANCED
   */
  readonly databaseInsightsMode?: rds.DatabaseInsightsMode;
  /**
   * Customer-managed key for storage, Performance Insights and the secret.
   * @default - a new key with rotation enabled
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Create the cluster from this cluster snapshot (identifier, or ARN for a shared or
   * copied snapshot) instead of empty: how the data tier is rebuilt from a copy in the
   * backup region. The data and schema come from the snapshot (`databaseName` must name
   * the database inside it); a new master password is generated into this construct's
   * secret.
   * @default - a new, empty cluster
   */
  readonly snapshotIdentifier?: string;
  /**
   * Extra cluster parameters merged over the secure defaults ({@link SECURE_CLUSTER_PARAMETERS}).
   * `rds.force_ssl` stays 1; libraries in `shared_preload_libraries` are added to the
   * defaults' (pg_stat_statements, pgaudit); a `log_statement` of `ddl`, `mod` or `all` is
   * refused, since PostgreSQL would log every password set by CREATE/ALTER ROLE in clear
   * text (pgaudit audits those statements with the password redacted).
   * @default - none
   */
  readonly parameters?: Record<string, string>;
}

/**
 * The cluster parameters this construct always sets, and why.
 *
 * DDL and role changes are audited by pgaudit, not by `log_statement`. PostgreSQL logs a
 * statement's text as sent, and Secrets Manager's rotation functions send
 * `ALTER USER ... WITH PASSWORD '<new password>'`: with `log_statement=ddl` every rotation
 * wrote the new password in clear text to the exported postgresql log. pgaudit writes the
 * same statements with everything after the word `password` replaced by `<REDACTED>` when
 * the statement is a CREATE/ALTER ROLE (pgaudit.c, `log_audit_event`: the
 * `T_CreateRoleStmt`/`T_AlterRoleStmt` case, in every release since 1.0.2), so the ROLE class
 * stays in: who changed which role, and every GRANT/REVOKE, is audited, the password is not.
 * The redaction covers the role statement's own text; pgaudit 17 (Aurora PostgreSQL 17)
 * also logs each statement of a multi-statement string with its own text only.
 */
export const SECURE_CLUSTER_PARAMETERS: Readonly<Record<string, string>> = {
  // Refuse plaintext connections: TLS on every hop.
  'rds.force_ssl': '1',
  // pg_stat_statements is Aurora's default preload (Database Insights reads it); pgaudit
  // only works preloaded. Libraries given in `parameters` are added to these.
  shared_preload_libraries: 'pg_stat_statements,pgaudit',
  // pg_stat_statements keeps the text of utility statements it tracks, and no release
  // redacts a role's password in it: ALTER USER ... PASSWORD '<clear text>' would sit in the
  // view Database Insights reads. Queries are what it is for; DDL timings are not needed.
  'pg_stat_statements.track_utility': '0',
  // Session audit: all DDL (CREATE/ALTER/DROP ...) and role statements (CREATE/ALTER/DROP
  // ROLE with passwords redacted, GRANT, REVOKE). Reads and writes stay out of the log.
  'pgaudit.log': 'ddl,role',
  // The only value Aurora accepts: object audit for what is granted to rds_pgaudit (the
  // migration step creates that role with the extension).
  'pgaudit.role': 'rds_pgaudit',
  // Bound parameters are data (and could be secrets): never written to the audit log.
  'pgaudit.log_parameter': '0',
  // No statement logging by PostgreSQL itself: it does not redact (see above).
  log_statement: 'none',
  // Nor the text of a failing statement: a rotation's ALTER USER ... PASSWORD that fails
  // (its role not created yet, or "tuple concurrently updated" against the migration
  // step's ALTER ROLE) would be logged whole. The error itself is still logged.
  log_min_error_statement: 'panic',
  // Slow statements and sessions for forensics without logging every row read.
  log_min_duration_statement: '1000',
  log_connections: '1',
  log_disconnections: '1',
};

/** `log_statement` values that put CREATE/ALTER ROLE ... PASSWORD '<clear text>' in the log. */
const PASSWORD_LOGGING_STATEMENT_LEVELS = ['ddl', 'mod', 'all'];

/** The secure defaults, `parameters` merged over them: preloaded libraries are joined, TLS stays forced. */
function clusterParameters(parameters: Record<string, string> = {}): Record<string, string> {
  const libraries = [SECURE_CLUSTER_PARAMETERS.shared_preload_libraries, parameters.shared_preload_libraries ?? '']
    .flatMap((list) => list.split(','))
    .map((library) => library.trim())
    .filter((library) => library !== '');
  return { ...SECURE_CLUSTER_PARAMETERS, ...parameters, shared_preload_libraries: [...new Set(libraries)].join(','), 'rds.force_ssl': '1' };
}

/** The characters CDK's generated database secrets leave out; rotations keep to the same alphabet. */
const PASSWORD_EXCLUDE_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

const MIN_BACKUP_RETENTION_DAYS = 7;
const POSTGRES_PORT = 5432;

/**
 * Aurora PostgreSQL as a product: encrypted with a rotating customer-managed key,
 * TLS-only, in isolated subnets, writer plus readers across zones, automated backups,
 * IAM authentication, a generated master secret with scheduled rotation, exported logs,
 * enhanced monitoring and Database Insights.
 */
export class AuroraDatabase extends Construct {
  /** The cluster: a `DatabaseClusterFromSnapshot` when `snapshotIdentifier` is set. */
  readonly cluster: rds.DatabaseCluster | rds.DatabaseClusterFromSnapshot;
  readonly secret: secretsmanager.ISecret;
  readonly connections: ec2.Connections;
  readonly encryptionKey: kms.IKey;
  readonly parameterGroup: rds.ParameterGroup;
  /** Whether the instances are Serverless v2 (ACU metrics apply) or provisioned. */
  readonly isServerless: boolean;
  /**
   * The cluster's AWS/RDS metrics (CPU, connections, memory, replica lag, deadlocks,
   * commit latency, ACUs), each with the statistic alarms and dashboards read it with.
   */
  readonly metrics: AuroraClusterMetrics;
  /**
   * Memory of one instance in bytes (Serverless v2: at maximum capacity), undefined for an
   * instance class whose memory is not known here. With `maxConnections` and `metrics`,
   * Observability reads its database limits from this construct.
   */
  readonly memoryBytes?: number;
  /** Default max_connections of one instance (Aurora's formula over `memoryBytes`). */
  readonly maxConnections?: number;
  private readonly vpc: ec2.IVpc;
  private readonly rotationSubnets: ec2.SubnetSelection;
  private readonly secretRotation: Duration;
  private readonly databaseName: string;

  constructor(scope: Construct, id: string, props: AuroraDatabaseProps) {
    super(scope, id);
    validateProps(props);
    const readers = props.readers ?? 1;
    const backupRetention = props.backupRetention ?? Duration.days(MIN_BACKUP_RETENTION_DAYS);
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: props.engineVersion ?? rds.AuroraPostgresEngineVersion.VER_17_9 });
    this.isServerless = props.instanceType === undefined;

    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts the Aurora cluster, its Performance Insights data and its master secret',
        enableKeyRotation: true,
        removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN,
      });

    this.parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine,
      // Kept stable: CloudFormation replaces a parameter group whose description changes.
      description: 'TLS-only cluster parameters',
      parameters: clusterParameters(props.parameters),
    });

    const instance = (instanceId: string, isWriter: boolean): rds.IClusterInstance => {
      const common = {
        promotionTier: isWriter ? 0 : 1,
        autoMinorVersionUpgrade: true,
        enablePerformanceInsights: true,
        performanceInsightRetention: rds.PerformanceInsightRetention.MONTHS_15,
        performanceInsightEncryptionKey: this.encryptionKey,
      };
      return this.isServerless
        ? rds.ClusterInstance.serverlessV2(instanceId, { ...common, scaleWithWriter: !isWriter })
        : rds.ClusterInstance.provisioned(instanceId, { ...common, instanceType: props.instanceType });
    };
    const capacity = props.serverless ?? { minCapacity: 0.5, maxCapacity: 8 };
    this.memoryBytes = this.isServerless ? serverlessMemoryBytes(capacity.maxCapacity) : knownInstanceMemoryBytes(props.instanceType!);
    this.maxConnections = this.memoryBytes === undefined ? undefined : defaultMaxConnections(this.memoryBytes);

    const masterUsername = props.masterUsername ?? 'bulwark_admin';
    const databaseName = props.databaseName ?? 'app';
    const clusterProps = {
      engine,
      port: POSTGRES_PORT,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      writer: instance('writer', true),
      readers: Array.from({ length: readers }, (_, index) => instance(`reader${index + 1}`, false)),
      serverlessV2MinCapacity: this.isServerless ? capacity.minCapacity : undefined,
      serverlessV2MaxCapacity: this.isServerless ? capacity.maxCapacity : undefined,
      storageEncrypted: true,
      storageEncryptionKey: this.encryptionKey,
      parameterGroup: this.parameterGroup,
      iamAuthentication: true,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      backup: { retention: backupRetention, preferredWindow: props.preferredBackupWindow ?? '02:00-03:00' },
      preferredMaintenanceWindow: props.preferredMaintenanceWindow ?? 'sun:04:00-sun:05:00',
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      monitoringInterval: props.monitoringInterval ?? Duration.seconds(60),
      databaseInsightsMode: props.databaseInsightsMode ?? rds.DatabaseInsightsMode.ADVANCED,
      performanceInsightRetention: rds.PerformanceInsightRetention.MONTHS_15,
      performanceInsightEncryptionKey: this.encryptionKey,
    } satisfies rds.DatabaseClusterProps;
    // The secret names the database (`dbname`), which RDS's own generated secret does not:
    // consumers such as ECS inject each JSON field, and a missing one fails every task. The
    // same secret serves a restore, where it sets a new password on the snapshot's cluster
    // (the snapshot's own password is unknown here, and rotated since).
    const masterSecret = new rds.DatabaseSecret(this, 'Secret', { username: masterUsername, dbname: databaseName, encryptionKey: this.encryptionKey });
    this.cluster = props.snapshotIdentifier
      ? new rds.DatabaseClusterFromSnapshot(this, 'Cluster', {
          ...clusterProps,
          snapshotIdentifier: props.snapshotIdentifier,
          snapshotCredentials: rds.SnapshotCredentials.fromSecret(masterSecret),
        })
      : new rds.DatabaseCluster(this, 'Cluster', {
          ...clusterProps,
          defaultDatabaseName: databaseName,
          credentials: rds.Credentials.fromSecret(masterSecret),
        });
    if (props.snapshotIdentifier) {
      // A restore keeps the snapshot's master user name (CloudFormation refuses a new one)
      // while setting a new password, which the generic schema rule does not know.
      Validations.of(this.cluster).acknowledge({
        id: 'CloudFormation-Validate::F3021',
        reason: 'Restoring from a snapshot keeps its master user name; only the password is set.',
      });
    }
    this.secret = this.cluster.secret!;
    this.metrics = new AuroraClusterMetrics(this.cluster, this.isServerless);
    this.connections = this.cluster.connections;

    this.vpc = props.vpc;
    this.rotationSubnets = props.rotationSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };
    this.secretRotation = props.secretRotation ?? Duration.days(30);
    this.databaseName = databaseName;
    this.cluster.addRotationSingleUser({ automaticallyAfter: this.secretRotation, vpcSubnets: this.rotationSubnets });
    this.waitForInstancesBeforeRotating();

    this.suppressExplainedFindings(clusterProps.deletionProtection);
    this.acceptRotationIngressFindings();
  }

  /**
   * A generated secret for another database role, shaped like the master secret (host,
   * port, dbname, username, password, engine), encrypted with the cluster's key and
   * rotated single-user on the master's schedule (the role changes its own password: it
   * needs no rights over other roles). The role itself is not created here: whoever holds
   * the owner's credentials does that (the project's migration step creates it and sets its
   * password from this secret on every deploy). The first rotation waits a whole period,
   * so that the role exists by then.
   */
  addUserSecret(id: string, username: string): secretsmanager.ISecret {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(username)) {
      throw new Error(`AuroraDatabase.addUserSecret: username must be a lower-case PostgreSQL identifier (letters, digits, _; at most 63), got "${username}"`);
    }
    const generated = new rds.DatabaseSecret(this, id, { username, dbname: this.databaseName, encryptionKey: this.encryptionKey, excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS });
    const secret = generated.attach(this.cluster);
    new secretsmanager.SecretRotation(this, `${id}Rotation`, {
      application: secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_SINGLE_USER,
      secret,
      // Rotated passwords keep the generated one's alphabet (no URL or shell specials).
      excludeCharacters: PASSWORD_EXCLUDE_CHARACTERS,
      target: this.cluster,
      vpc: this.vpc,
      vpcSubnets: this.rotationSubnets,
      automaticallyAfter: this.secretRotation,
      // Created with the secret, the role does not exist yet: an immediate rotation would fail.
      rotateImmediatelyOnUpdate: false,
    });
    this.waitForInstancesBeforeRotating();
    this.acceptRotationIngressFindings();
    return secret;
  }

  /**
   * Each rotation function gets an ingress rule on the cluster's security group; suppressions
   * reach only the children that exist when they are added, so this runs after every rotation.
   */
  private acceptRotationIngressFindings(): void {
    NagSuppressions.addResourceSuppressions(
      this.cluster,
      [
        {
          id: 'CdkNagValidationFailure',
          reason: 'The rotation function\'s ingress rule names the cluster port as a CloudFormation reference, which NIST EC2RestrictedCommonPorts/EC2RestrictedSSH cannot evaluate at synthesis; it is the PostgreSQL port from the rotation security group only, never SSH or a CIDR.',
          appliesTo: ['NIST.800.53.R5-EC2RestrictedCommonPorts', 'NIST.800.53.R5-EC2RestrictedSSH'],
        },
      ],
      true,
    );
  }

  /**
   * Secrets Manager rotates once as soon as a schedule exists; before the instances are up
   * the rotation function cannot connect, the first rotation fails and the next comes a
   * whole period later.
   */
  private waitForInstancesBeforeRotating(): void {
    const instances = this.cluster.node.findAll().filter((c): c is rds.CfnDBInstance => c instanceof rds.CfnDBInstance);
    for (const schedule of this.node.findAll().filter((c) => c instanceof secretsmanager.CfnRotationSchedule)) schedule.node.addDependency(...instances);
  }

  /** Lets `grantee` connect as `dbUser` with IAM authentication. */
  grantConnect(grantee: iam.IGrantable, dbUser: string): iam.Grant {
    return this.cluster.grantConnect(grantee, dbUser);
  }

  private suppressExplainedFindings(deletionProtection: boolean): void {
    if (!deletionProtection) acceptDisabledDeletionProtection(this.cluster, 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled');
    // The postgresql log group is created by RDS under a name derived from the generated
    // cluster id, so CDK sets its retention through its LogRetention singleton function.
    const logRetentionFunction = Stack.of(this).node.tryFindChild('LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a');
    if (logRetentionFunction) {
      NagSuppressions.addResourceSuppressions(
        logRetentionFunction,
        [
          {
            id: 'AwsSolutions-IAM4',
            reason: 'CDK\'s LogRetention function only sets retention on log groups; AWSLambdaBasicExecutionRole lets it write its own logs.',
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          },
          {
            id: 'AwsSolutions-IAM5',
            reason: 'CDK\'s LogRetention function sets retention on a log group RDS names at deploy time, so its logs:PutRetentionPolicy cannot name the group in advance.',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    }
    NagSuppressions.addResourceSuppressions(
      this.cluster,
      [
        {
          id: 'NIST.800.53.R5-RDSInBackupPlan',
          reason: 'Aurora backs up the cluster, not its instances: automated backups with point-in-time recovery are always on, and the SnapshotReplication construct (copier and, where enabled, an AWS Backup plan that selects the cluster) copies them to the backup region.',
        },
        {
          id: 'AwsSolutions-RDS11',
          reason: 'The default PostgreSQL port is kept: the cluster sits in isolated subnets and accepts only the app security group; a non-default port adds no protection there.',
        },
        {
          id: 'AwsSolutions-IAM4',
          reason: 'The enhanced-monitoring role uses AmazonRDSEnhancedMonitoringRole, the AWS service-role policy that only lets RDS write OS metrics to the RDSOSMetrics log group.',
          appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole'],
        },
      ],
      true,
    );
  }
}

function validateProps(props: AuroraDatabaseProps): void {
  if (props.instanceType !== undefined && props.serverless !== undefined) {
    throw new Error('AuroraDatabase: specify either instanceType (provisioned) or serverless (Serverless v2), not both');
  }
  const readers = props.readers ?? 1;
  if (!Number.isInteger(readers) || readers < 0 || readers > 15) {
    throw new Error(`AuroraDatabase: readers must be an integer from 0 to 15 (got ${readers})`);
  }
  const retentionDays = props.backupRetention?.toDays() ?? MIN_BACKUP_RETENTION_DAYS;
  if (retentionDays < MIN_BACKUP_RETENTION_DAYS || retentionDays > 35) {
    throw new Error(`AuroraDatabase: backupRetention must be between ${MIN_BACKUP_RETENTION_DAYS} and 35 days (got ${retentionDays})`);
  }
  if (props.snapshotIdentifier !== undefined && !/^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:)?[a-zA-Z][a-zA-Z0-9:-]{0,254}$/.test(props.snapshotIdentifier)) {
    throw new Error(`AuroraDatabase: snapshotIdentifier must be a cluster snapshot identifier or ARN (got "${props.snapshotIdentifier}")`);
  }
  const statementLogging = props.parameters?.log_statement?.trim().toLowerCase();
  if (statementLogging !== undefined && PASSWORD_LOGGING_STATEMENT_LEVELS.includes(statementLogging)) {
    throw new Error(
      `AuroraDatabase: parameters.log_statement "${props.parameters!.log_statement}" would write every password set by CREATE/ALTER ROLE (secret rotation included) to the postgresql log in clear text; DDL and role changes are audited by pgaudit ('pgaudit.log'), which redacts them`,
    );
  }
  if (props.serverless && props.serverless.minCapacity > props.serverless.maxCapacity) {
    throw new Error(`AuroraDatabase: serverless.minCapacity (${props.serverless.minCapacity}) must not exceed serverless.maxCapacity (${props.serverless.maxCapacity})`);
  }
}

/** The instance's memory, or undefined for a class {@link instanceMemoryBytes} cannot read. */
function knownInstanceMemoryBytes(instanceType: ec2.InstanceType): number | undefined {
  try {
    return instanceMemoryBytes(instanceType.toString());
  } catch {
    return undefined;
  }
}
