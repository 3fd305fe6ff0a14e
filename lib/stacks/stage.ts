import { Aspects, Tags, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { stackName, type StageConfig } from '../config';
import { BackupRegionStack } from './backup-region-stack';
import { CiDeployStack } from './ci-deploy-stack';
import { acceptStageWideNistFindings } from './compliance';
import { DataStack } from './data-stack';
import { LoadTestStack } from './load-test-stack';
import { MonitoringStack } from './monitoring-stack';
import { NetworkStack } from './network-stack';
import { ServiceStack } from './service-stack';

/** The stacks of one stage, in dependency order. */
export interface StageStacks {
  readonly backupRegion: BackupRegionStack;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly service: ServiceStack;
  readonly monitoring: MonitoringStack;
  /** Present when the stage config has a `ci` section; deployed once by an administrator. */
  readonly ciDeploy?: CiDeployStack;
  /** Present when `loadTest.enabled`: the opt-in distributed load test. */
  readonly loadTest?: LoadTestStack;
}

/**
 * Builds every stack of a stage from its validated config. Stateful stacks (BackupRegion,
 * Data) get termination protection in prod; the backup region is wired by name, not by
 * reference, so each stack synthesizes and deploys on its own.
 */
export function createStage(app: App, config: StageConfig): StageStacks {
  const primary = { account: config.account, region: config.region };
  const isProd = config.stage === 'prod';
  const describe = (what: string) => `Bulwark ${config.stage}: ${what}`;

  const backupRegion = new BackupRegionStack(app, stackName(config, 'BackupRegion'), {
    config,
    env: { account: config.account, region: config.backupRegion },
    description: describe('key and vault that receive backup copies'),
    terminationProtection: isProd,
  });
  const network = new NetworkStack(app, stackName(config, 'Network'), {
    config,
    env: primary,
    description: describe('VPC, subnets, NAT, flow logs, endpoints'),
  });
  const data = new DataStack(app, stackName(config, 'Data'), {
    config,
    env: primary,
    vpc: network.network.vpc,
    description: describe('Aurora PostgreSQL and its cross-region copies'),
    terminationProtection: isProd,
  });
  const service = new ServiceStack(app, stackName(config, 'Service'), {
    config,
    env: primary,
    vpc: network.network.vpc,
    databaseSecretKey: data.database.encryptionKey,
    database: data.database,
    description: describe('load balancer, Fargate service, WAF and Shield'),
  });
  const monitoring = new MonitoringStack(app, stackName(config, 'Monitoring'), {
    config,
    env: primary,
    webService: service.webService,
    edgeProtection: service.edgeProtection,
    databaseIsServerless: data.database.isServerless,
    replication: data.replication,
    rum: service.rum,
    description: describe('dashboard, alarms, SLO burn-rate alarms, alarm topic'),
  });
  const ciDeploy = config.ci
    ? new CiDeployStack(app, stackName(config, 'CiDeploy'), {
        config,
        ci: config.ci,
        env: primary,
        description: describe('GitHub OIDC provider and deploy role (deployed once by an administrator)'),
        terminationProtection: isProd,
      })
    : undefined;
  const loadTest = config.loadTest.enabled
    ? new LoadTestStack(app, stackName(config, 'LoadTest'), {
        config,
        env: primary,
        vpc: network.network.vpc,
        allowListIpSet: service.edgeProtection.ipSets.allowIpv4,
        webService: service.webService,
        description: describe('distributed load test: Fargate workers, state machine, results bucket (opt-in)'),
      })
    : undefined;
  // Both read the Data stack's SSM parameters, which must exist (and be current) first.
  service.addStackDependency(data, 'reads the database secret ARN from the Data stack\'s parameter');
  monitoring.addStackDependency(data, 'reads the cluster identifier from the Data stack\'s parameter');
  // Addressed by name in the other region (not a reference CloudFormation could order by):
  // copies made before the backup region's key and vault exist would fail.
  data.addStackDependency(backupRegion, 'copies snapshots and backups into the backup region\'s key and vault');
  // The load-test role trusts the GitHub OIDC provider the CiDeploy stack creates.
  if (loadTest && ciDeploy && !config.ci?.oidcProviderArn) loadTest.addStackDependency(ciDeploy, 'trusts the GitHub OIDC provider the CiDeploy stack creates');
  for (const stack of [backupRegion, network, data, service, monitoring, ciDeploy, loadTest]) if (stack) acceptStageWideNistFindings(stack);
  return { backupRegion, network, data, service, monitoring, ciDeploy, loadTest };
}

/**
 * What bin/ applies to the whole app once the stage's stacks exist: the stage's tags on
 * every resource, and the cdk-nag AwsSolutions and NIST 800-53 rev 5 packs (their findings are synthesis errors).
 * Kept here, not inline in bin/, so the tests apply exactly what the entry point does.
 */
export function applyStagePolicies(app: App, config: StageConfig): void {
  for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  // The NIST 800-53 rev 5 pack too: every finding is fixed or accepted with its reason next to the code.
  Aspects.of(app).add(new NIST80053R5Checks({ verbose: true }));
}
