import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as guardduty from 'aws-cdk-lib/aws-guardduty';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as securityhub from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import { createLogsEncryptionKey } from '../internal/logs-encryption-key';
import { AlarmTopic } from '../observability/alarm-topic';
import { ConfigRecorder } from './config-recorder';
import { FINDING_SEVERITIES, type FindingSeverity, SECURITY_BASELINE_DEFAULTS, SECURITY_SERVICES, type SecurityService } from './defaults';
import { type FindingSource, FindingsRouting } from './findings-routing';
import { InspectorEnablement } from './inspector-enablement';

export * from './config-recorder';
export * from './defaults';
export * from './findings-routing';
export * from './inspector-enablement';

export interface SecurityBaselineProps {
  /**
   * Services the account's organization already runs here through a delegated administrator:
   * the baseline creates none of these (a second GuardDuty detector, Security Hub hub or
   * Config recorder in one account and region fails the deployment) and still routes their
   * findings.
   * @default - none: the baseline enables GuardDuty, Security Hub, Inspector and AWS Config
   */
  readonly managedByOrganization?: readonly SecurityService[];
  /**
   * Topic that receives findings at or above `findingSeverityThreshold`.
   * @default - findings are not routed
   */
  readonly alarmTopic?: AlarmTopic;
  /**
   * The lowest severity routed to `alarmTopic`.
   * @default 'HIGH'
   */
  readonly findingSeverityThreshold?: FindingSeverity;
  /**
   * How long AWS Config's snapshots and history are kept in its bucket (whole days).
   * @default Duration.days(730)
   */
  readonly configHistoryRetention?: Duration;
  /**
   * Retention of the log of the function that enables Inspector at deployment.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

function validateProps(props: SecurityBaselineProps): void {
  const problems: string[] = [];
  const managed = props.managedByOrganization ?? [];
  const unknown = managed.filter((service) => !(SECURITY_SERVICES as readonly string[]).includes(service));
  if (unknown.length > 0) problems.push(`managedByOrganization: unknown service(s) ${unknown.join(', ')} (known: ${SECURITY_SERVICES.join(', ')})`);
  if (new Set(managed).size !== managed.length) problems.push(`managedByOrganization: lists a service twice (${managed.join(', ')})`);
  if (managed.length === SECURITY_SERVICES.length && !props.alarmTopic) {
    problems.push('managedByOrganization: every service is managed by the organization and no alarmTopic is given, so the baseline would create nothing');
  }
  const threshold = props.findingSeverityThreshold;
  if (threshold !== undefined && !FINDING_SEVERITIES.includes(threshold)) {
    problems.push(`findingSeverityThreshold: must be one of ${FINDING_SEVERITIES.join(', ')} (got ${threshold})`);
  }
  const retention = props.configHistoryRetention;
  if (retention && !(Number.isInteger(retention.toDays({ integral: false })) && retention.toDays() >= 1)) {
    problems.push(`configHistoryRetention: must be a whole number of days, at least 1 (got ${retention.toHumanString()})`);
  }
  if (problems.length > 0) throw new Error(`SecurityBaseline: ${problems.join('; ')}`);
}

/**
 * The account's security audit, running: GuardDuty (Fargate runtime monitoring with managed
 * agents, RDS login events, S3 data events), Security Hub with the AWS Foundational Security
 * Best Practices and CIS AWS Foundations standards, Inspector for container images and
 * Lambda functions, and the AWS Config recorder Security Hub's controls need; threat and
 * vulnerability findings of high severity and above go to the alarm topic through one
 * EventBridge rule per service, Security Hub's failed control checks to a compliance topic
 * that does not page.
 *
 * These are account- and region-wide services, one of each per account and region: deploy
 * the baseline once per account, and name the services the organization already runs in
 * `managedByOrganization`.
 */
export class SecurityBaseline extends Construct {
  /** Services this construct enables (the rest the organization manages). */
  readonly enabledServices: readonly SecurityService[];
  readonly detector?: guardduty.CfnDetector;
  readonly hub?: securityhub.CfnHub;
  readonly standards: readonly securityhub.CfnStandard[];
  readonly inspector?: InspectorEnablement;
  /**
   * ECR's registry scanning set to Inspector's enhanced scanning: every repository of the
   * registry (the CDK bootstrap's asset repository with the app image included) is scanned
   * on push and again whenever a new CVE affects an image in it.
   */
  readonly registryScanning?: ecr.CfnRegistryScanningConfiguration;
  readonly configRecorder?: ConfigRecorder;
  /** The rules that route findings to the alarm topic, when one is given. */
  readonly findingsRouting?: FindingsRouting;
  /**
   * Where Security Hub's failed control checks go, when an alarm topic is given: a topic of
   * their own with no subscription, so they never page. Subscribe a ticket queue or a chat
   * channel to work them off on a schedule; the dashboard counts them per day.
   */
  readonly complianceTopic?: AlarmTopic;

  constructor(scope: Construct, id: string, props: SecurityBaselineProps = {}) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const defaults = SECURITY_BASELINE_DEFAULTS;
    const managed = new Set(props.managedByOrganization ?? []);
    this.enabledServices = SECURITY_SERVICES.filter((service) => !managed.has(service));
    const enabled = (service: SecurityService) => !managed.has(service);

    if (enabled('guardDuty')) {
      this.detector = new guardduty.CfnDetector(this, 'Detector', {
        enable: true,
        findingPublishingFrequency: defaults.guardDutyPublishingFrequency,
        features: defaults.guardDutyFeatures.map((name) => ({
          name,
          status: 'ENABLED',
          // GuardDuty adds its security agent to Fargate tasks itself (and the VPC endpoint it reports through).
          additionalConfiguration: name === 'RUNTIME_MONITORING' ? [{ name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'ENABLED' }] : undefined,
        })),
      });
    }

    if (enabled('config')) {
      this.configRecorder = new ConfigRecorder(this, 'Config', {
        historyRetention: props.configHistoryRetention ?? defaults.configHistoryRetention,
        snapshotFrequency: defaults.configSnapshotFrequency,
      });
    }

    if (enabled('securityHub')) {
      this.hub = new securityhub.CfnHub(this, 'Hub', {
        // The standards are chosen below; Security Hub's defaults include a retired CIS version.
        enableDefaultStandards: false,
        controlFindingGenerator: 'SECURITY_CONTROL',
        autoEnableControls: true,
      });
      this.standards = defaults.securityHubStandards.map((standard) => {
        const resource = new securityhub.CfnStandard(this, standard.split('/')[0], {
          standardsArn: `arn:${stack.partition}:securityhub:${stack.region}::standards/${standard}`,
        });
        resource.addResourceDependency(this.hub!);
        // The controls evaluate AWS Config's recorded configuration.
        if (this.configRecorder) resource.node.addDependency(this.configRecorder);
        return resource;
      });
    } else {
      this.standards = [];
    }

    if (enabled('inspector')) {
      this.inspector = new InspectorEnablement(this, 'Inspector', {
        resourceTypes: defaults.inspectorResourceTypes,
        logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
        logEncryptionKey: createLogsEncryptionKey(this, 'LogsKey', 'Encrypts the log of the function that enables Inspector'),
      });
      this.registryScanning = new ecr.CfnRegistryScanningConfiguration(this, 'RegistryScanning', {
        scanType: 'ENHANCED',
        rules: [{ scanFrequency: 'CONTINUOUS_SCAN', repositoryFilters: [{ filter: '*', filterType: 'WILDCARD' }] }],
      });
      // Enhanced scanning is Inspector's: ECR refuses it before Inspector scans ECR.
      this.registryScanning.node.addDependency(this.inspector);
    }

    if (props.alarmTopic) {
      this.complianceTopic = new AlarmTopic(this, 'ComplianceTopic', { displayName: 'Security Hub failed controls (not paged)' });
      this.findingsRouting = new FindingsRouting(this, 'Findings', {
        sources: ['guardDuty', 'securityHub', 'inspector'],
        severityThreshold: props.findingSeverityThreshold ?? defaults.findingSeverityThreshold,
        target: props.alarmTopic.eventRuleTarget(),
        failedControlsTarget: this.complianceTopic.eventRuleTarget(),
      });
    }
  }

  /** Findings of `source` routed to the alarm topic, summed per `period`. */
  metricRoutedFindings(source: FindingSource, period?: Duration): cloudwatch.Metric {
    if (!this.findingsRouting) throw new Error('SecurityBaseline: findings are routed only when an alarmTopic is given');
    return this.findingsRouting.metricFindings(source, period);
  }

  /**
   * A dashboard graph of the paged findings per service (left, hourly) and of Security Hub's
   * newly failed control checks, which are not paged (right, daily).
   */
  findingsWidget(options: { readonly width?: number; readonly height?: number } = {}): cloudwatch.GraphWidget {
    const routed = Object.keys(this.findingsRouting?.rules ?? {}) as FindingSource[];
    const failedControls = this.findingsRouting?.failedControlsRule ? [this.findingsRouting.metricFailedControls()] : [];
    return new cloudwatch.GraphWidget({
      title: 'Security findings: paged (high and above, per hour) and failed controls (not paged, per day)',
      left: routed.map((source) => this.metricRoutedFindings(source)),
      right: failedControls,
      stacked: true,
      width: options.width ?? 24,
      height: options.height ?? 6,
    });
  }
}
