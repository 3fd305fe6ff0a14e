import { RegionInfo } from 'aws-cdk-lib/region-info';
import { MANAGED_BY_TAG } from '../../lambda/snapshot-copier/snapshots';
import { targetSnapshotIdentifier } from '../../lambda/snapshot-copier/target-id';
import { guardDutyAgentPullRows } from './guardduty-agent-rows';
import { hasLoadTest, loadTestRows } from './load-test-rows';
import type { PolicyDocument, PolicyModel } from './policy-model';
import { RuntimeFacts } from './runtime-facts';
import type { AccessRow } from './simulate-row';

/**
 * The runtime access paths of a stage: one row per call the deployed system makes, and beside
 * each allowed call a denied one that a too-broad policy would let through. Rows for resources
 * a stage does not have (the AWS Backup plan, the CI roles) are left out for that stage.
 * How to add a row: docs/access-paths.md.
 */

const EXECUTION_ROLE = { role: 'Service/Web/Task/ExecutionRole' };
const TASK_ROLE = { role: 'Service/Web/Task/TaskRole' };
const COPIER_ROLE = { role: 'Data/SnapshotReplication/Copier/Role' };
const BACKUP_ROLE_PATH = 'Data/SnapshotReplication/BackupPlan/Cluster/Role';
const IP_SET_SYNC_ROLE = { role: 'Service/Edge/IpSetSync/Role' };
/** An account that is not the stage's: a service acting for it must be refused (confused deputy). */
const OTHER_ACCOUNT = '999999999999';
const FLOW_LOG_ROLE_PATH = 'Network/Network/Vpc/FlowLog/IAMRole';
/** CDK's AwsCustomResource provider (a stack singleton), which starts the sync after deployments. */
const DEPLOY_TIME_INVOKER = { role: 'Service/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole' };
const RUM_GUEST_ROLE = { role: 'Service/Rum/GuestRole' };
const MIGRATION_EXECUTION_ROLE = { role: 'Service/Migration/Task/ExecutionRole' };
const MIGRATION_TASK_ROLE_PATH = 'Service/Migration/Task/TaskRole';
const MIGRATION_START_ROLE = { role: 'Service/Migration/Start/Role' };
const MIGRATION_CHECK_ROLE = { role: 'Service/Migration/Check/Role' };
const CI_DEPLOY_ROLE_PATH = 'CiDeploy/CiDeploy/DeployRole';
const CI_DIFF_ROLE_PATH = 'CiDeploy/CiDeploy/DiffRole';

const SECURITY_BASELINE = 'Monitoring/SecurityBaseline';
const CONFIG_ROLE = { role: `${SECURITY_BASELINE}/Config/Role` };
/** The Monitoring stack's AwsCustomResource provider, which enables Inspector at deployment. */
const INSPECTOR_ENABLER = { role: 'Monitoring/AWS679f53fac002430cb0da5b7982bd2287/ServiceRole' };

const EVENTS = { service: 'events.amazonaws.com' };
const CLOUDWATCH = { service: 'cloudwatch.amazonaws.com' };

/** The tag the copier writes on its copies (its own constant), as a deletion request carries it. */
const COPY_TAG_CONDITION = `aws:ResourceTag/${MANAGED_BY_TAG}`;

export function accessRows(model: PolicyModel): AccessRow[] {
  const facts = new RuntimeFacts(model);
  return [
    ...ecsRows(facts),
    ...migrationRows(model, facts),
    ...snapshotCopierRows(facts),
    ...(model.has(BACKUP_ROLE_PATH) ? awsBackupRows(model, facts) : []),
    ...ipSetSyncRows(facts),
    ...functionLogRows(facts, 'Data/SnapshotReplication/Copier/Function', COPIER_ROLE, 'copier'),
    ...functionLogRows(facts, 'Service/Edge/IpSetSync/Function', IP_SET_SYNC_ROLE, 'IP-set sync'),
    ...functionLogRows(facts, 'Service/Migration/Start/Function', MIGRATION_START_ROLE, 'migration starter'),
    ...functionLogRows(facts, 'Service/Migration/Check/Function', MIGRATION_CHECK_ROLE, 'migration checker'),
    // CDK's provider carries AWSLambdaBasicExecutionRole (logs on every group): no confinement to deny.
    ...functionLogRows(facts, 'Service/AWS679f53fac002430cb0da5b7982bd2287', DEPLOY_TIME_INVOKER, 'deployment invoker', { confinedToItsGroup: false }),
    ...alarmRows(facts),
    ...scheduleRows(facts),
    ...logDeliveryRows(model, facts),
    ...rumRows(facts),
    ...(model.has(`${SECURITY_BASELINE}/Findings/guardDuty`) ? findingRoutingRows(facts) : []),
    ...(model.has(`${SECURITY_BASELINE}/Config/Recorder`) ? configRecorderRows(facts) : []),
    ...(model.has(`${SECURITY_BASELINE}/Inspector/Resource/Resource/Default`) ? inspectorEnablerRows(facts) : []),
    ...(model.has(CI_DEPLOY_ROLE_PATH) ? ciRows(model, facts) : []),
    ...(hasLoadTest(model) ? loadTestRows(model, facts) : []),
  ];
}

/** Secrets Manager decrypts a secret with the caller's permissions, through KMS. */
function viaSecretsManager(facts: RuntimeFacts, secretArn: string): Record<string, string> {
  return {
    'kms:ViaService': `secretsmanager.${facts.region()}.amazonaws.com`,
    'kms:CallerAccount': facts.account,
    'kms:EncryptionContext:SecretARN': secretArn,
  };
}

/** What an ECS execution role does to start a container: pull its image (never push) and write its log stream. */
function imageAndLogRows(principal: { role: string }, who: string, repository: string, logStream: string): AccessRow[] {
  return [
    { name: `${who} gets an ECR token`, principal, action: 'ecr:GetAuthorizationToken', resource: '*', context: {}, expect: 'allow' },
    { name: `${who} pulls the image`, principal, action: 'ecr:BatchGetImage', resource: repository, context: {}, expect: 'allow' },
    { name: `${who} downloads image layers`, principal, action: 'ecr:GetDownloadUrlForLayer', resource: repository, context: {}, expect: 'allow' },
    { name: `${who} cannot push to the image repository`, principal, action: 'ecr:PutImage', resource: repository, context: {}, expect: 'deny' },
    { name: `${who} creates its container log stream`, principal, action: 'logs:CreateLogStream', resource: logStream, context: {}, expect: 'allow' },
    { name: `${who} writes its container logs`, principal, action: 'logs:PutLogEvents', resource: logStream, context: {}, expect: 'allow' },
  ];
}

function ecsRows(facts: RuntimeFacts): AccessRow[] {
  const secretArn = facts.injectedSecretArn();
  const secretKeyArn = facts.secretKeyArn(secretArn);
  const appSecretArn = facts.appEnvironment('DB_SECRET_ARN');
  const cursorKeyArn = facts.injectedSecretArn('CURSOR_KEY');
  const repository = facts.imageRepositoryArn();
  const logStream = facts.appLogStreamArn();
  const logGroupName = facts.appContainer().LogConfiguration.Options['awslogs-group'];
  const otherSecret = `arn:aws:secretsmanager:${facts.region()}:${facts.account}:secret:someone-elses-secret-XyZ123`;
  const cluster = `arn:aws:rds:${facts.region()}:${facts.account}:cluster:${facts.functionEnvironment('Data/SnapshotReplication/Copier/Function', 'SOURCE_CLUSTER_IDENTIFIER')}`;
  const readSecret = (principal: { role: string }, who: string, arn: string): AccessRow[] => [
    { name: `${who} reads the database secret`, principal, action: 'secretsmanager:GetSecretValue', resource: arn, context: {}, expect: 'allow' },
    { name: `${who} decrypts the database secret's key via Secrets Manager`, principal, action: 'kms:Decrypt', resource: facts.secretKeyArn(arn), context: viaSecretsManager(facts, arn), expect: 'allow' },
    { name: `${who} cannot read another secret`, principal, action: 'secretsmanager:GetSecretValue', resource: otherSecret, context: {}, expect: 'deny' },
    { name: `${who} cannot decrypt the secret's key directly (no kms:ViaService)`, principal, action: 'kms:Decrypt', resource: facts.secretKeyArn(arn), context: { 'kms:CallerAccount': facts.account }, expect: 'deny' },
  ];
  return [
    ...imageAndLogRows(EXECUTION_ROLE, 'ECS execution role', repository, logStream),
    { name: 'ECS execution role cannot delete its log group', principal: EXECUTION_ROLE, action: 'logs:DeleteLogGroup', resource: facts.logGroupArn(logGroupName), context: {}, expect: 'deny' },
    logsServiceEncrypts(facts, logGroupName, 'the container log group'),
    ...guardDutyAgentPullRows(EXECUTION_ROLE, 'ECS execution role', facts.region('Service')),
    ...readSecret(EXECUTION_ROLE, 'ECS execution role', secretArn),
    ...readSecret(TASK_ROLE, 'ECS task role', appSecretArn),
    // The cursor key is encrypted with the AWS managed Secrets Manager key, whose policy lets
    // any caller of the account decrypt through Secrets Manager: GetSecretValue decides.
    { name: 'ECS execution role reads the cursor key (CURSOR_KEY)', principal: EXECUTION_ROLE, action: 'secretsmanager:GetSecretValue', resource: cursorKeyArn, context: {}, expect: 'allow' },
    { name: 'ECS task role cannot read the cursor key (ECS injects it)', principal: TASK_ROLE, action: 'secretsmanager:GetSecretValue', resource: cursorKeyArn, context: {}, expect: 'deny' },
    { name: 'ECS task role writes traces', principal: TASK_ROLE, action: 'xray:PutTraceSegments', resource: '*', context: {}, expect: 'allow' },
    { name: 'ECS task role cannot delete the database cluster', principal: TASK_ROLE, action: 'rds:DeleteDBCluster', resource: cluster, context: {}, expect: 'deny' },
    { name: 'ECS task role cannot use the database key outside Secrets Manager', principal: TASK_ROLE, action: 'kms:Encrypt', resource: secretKeyArn, context: { 'kms:CallerAccount': facts.account }, expect: 'deny' },
  ];
}

/**
 * The deploy's migration step: only its task gets the master (schema owner) secret, the
 * service's tasks never; the runner starts only the migration task definition, in the
 * service's cluster, passing only the migration task's two roles to ECS.
 */
function migrationRows(model: PolicyModel, facts: RuntimeFacts): AccessRow[] {
  const migration = facts.migrationContainer();
  const ownerSecret = facts.injectedSecretArn('DB_MIGRATION_PASSWORD', migration);
  const runtimeSecret = facts.injectedSecretArn('DB_PASSWORD', migration);
  const { taskDefinitionArn, clusterArn } = facts.migrationRun();
  const [, family] = /task-definition\/([^:]+):\d+$/.exec(taskDefinitionArn)!;
  const taskDefinitionOf = (name: string) => taskDefinitionArn.replace(`/${family}:`, `/${name}:`);
  const otherCluster = clusterArn.replace(/cluster\/.+$/, 'cluster/someone-elses');
  const clusterName = clusterArn.split('/').pop();
  const taskArn = clusterArn.replace(/cluster\/.+$/, `task/${clusterName}/0123456789abcdef`);
  const inCluster = (cluster: string) => ({ 'ecs:cluster': cluster });
  const passTo = (service: string) => ({ 'iam:PassedToService': service });
  const roleArn = (path: string) => model.role(path).arn;
  const webExecutionRole = roleArn(EXECUTION_ROLE.role);
  const repository = facts.imageRepositoryArn(migration);
  const logStream = facts.appLogStreamArn(migration);
  const logGroupName = migration.LogConfiguration.Options['awslogs-group'];
  return [
    ...imageAndLogRows(MIGRATION_EXECUTION_ROLE, 'migration execution role', repository, logStream),
    { name: "migration execution role cannot write into the service's log group", principal: MIGRATION_EXECUTION_ROLE, action: 'logs:PutLogEvents', resource: facts.appLogStreamArn(), context: {}, expect: 'deny' },
    logsServiceEncrypts(facts, logGroupName, 'the migration log group'),
    { name: "migration execution role decrypts the runtime secret's key via Secrets Manager", principal: MIGRATION_EXECUTION_ROLE, action: 'kms:Decrypt', resource: facts.secretKeyArn(runtimeSecret), context: viaSecretsManager(facts, runtimeSecret), expect: 'allow' },
    { name: "migration execution role cannot decrypt the runtime secret's key directly", principal: MIGRATION_EXECUTION_ROLE, action: 'kms:Decrypt', resource: facts.secretKeyArn(runtimeSecret), context: { 'kms:CallerAccount': facts.account }, expect: 'deny' },
    { name: 'migration execution role reads the owner (master) secret', principal: MIGRATION_EXECUTION_ROLE, action: 'secretsmanager:GetSecretValue', resource: ownerSecret, context: {}, expect: 'allow' },
    { name: 'migration execution role decrypts the owner secret\'s key via Secrets Manager', principal: MIGRATION_EXECUTION_ROLE, action: 'kms:Decrypt', resource: facts.secretKeyArn(ownerSecret), context: viaSecretsManager(facts, ownerSecret), expect: 'allow' },
    { name: 'migration execution role reads the runtime secret (to set the role\'s password)', principal: MIGRATION_EXECUTION_ROLE, action: 'secretsmanager:GetSecretValue', resource: runtimeSecret, context: {}, expect: 'allow' },
    ...guardDutyAgentPullRows(MIGRATION_EXECUTION_ROLE, 'migration execution role', facts.region('Service')),
    { name: 'migration execution role cannot change the owner secret', principal: MIGRATION_EXECUTION_ROLE, action: 'secretsmanager:PutSecretValue', resource: ownerSecret, context: {}, expect: 'deny' },
    { name: 'migration task role cannot read the owner secret (ECS injects it)', principal: { role: MIGRATION_TASK_ROLE_PATH }, action: 'secretsmanager:GetSecretValue', resource: ownerSecret, context: {}, expect: 'deny' },
    { name: 'service execution role cannot read the owner (master) secret', principal: EXECUTION_ROLE, action: 'secretsmanager:GetSecretValue', resource: ownerSecret, context: {}, expect: 'deny' },
    { name: 'service task role cannot read the owner (master) secret', principal: TASK_ROLE, action: 'secretsmanager:GetSecretValue', resource: ownerSecret, context: {}, expect: 'deny' },
    { name: 'migration starter runs the migration task definition in the cluster', principal: MIGRATION_START_ROLE, action: 'ecs:RunTask', resource: taskDefinitionArn, context: inCluster(clusterArn), expect: 'allow' },
    { name: 'migration starter runs a previous revision (a rollback)', principal: MIGRATION_START_ROLE, action: 'ecs:RunTask', resource: taskDefinitionArn.replace(/:\d+$/, ':7'), context: inCluster(clusterArn), expect: 'allow' },
    { name: 'migration starter cannot run another task definition', principal: MIGRATION_START_ROLE, action: 'ecs:RunTask', resource: taskDefinitionOf('someone-elses-task'), context: inCluster(clusterArn), expect: 'deny' },
    { name: 'migration starter cannot run the migration in another cluster', principal: MIGRATION_START_ROLE, action: 'ecs:RunTask', resource: taskDefinitionArn, context: inCluster(otherCluster), expect: 'deny' },
    { name: 'migration starter passes the migration task role to ECS tasks', principal: MIGRATION_START_ROLE, action: 'iam:PassRole', resource: roleArn(MIGRATION_TASK_ROLE_PATH), context: passTo('ecs-tasks.amazonaws.com'), expect: 'allow' },
    { name: 'migration starter passes the migration execution role to ECS tasks', principal: MIGRATION_START_ROLE, action: 'iam:PassRole', resource: roleArn(MIGRATION_EXECUTION_ROLE.role), context: passTo('ecs-tasks.amazonaws.com'), expect: 'allow' },
    { name: 'migration starter cannot pass the service\'s execution role', principal: MIGRATION_START_ROLE, action: 'iam:PassRole', resource: webExecutionRole, context: passTo('ecs-tasks.amazonaws.com'), expect: 'deny' },
    { name: 'migration starter cannot pass the migration role to another service', principal: MIGRATION_START_ROLE, action: 'iam:PassRole', resource: roleArn(MIGRATION_TASK_ROLE_PATH), context: passTo('lambda.amazonaws.com'), expect: 'deny' },
    { name: 'migration starter cannot stop tasks (the checker stops the task it gives up on)', principal: MIGRATION_START_ROLE, action: 'ecs:StopTask', resource: taskArn, context: inCluster(clusterArn), expect: 'deny' },
    { name: 'migration checker describes the migration task', principal: MIGRATION_CHECK_ROLE, action: 'ecs:DescribeTasks', resource: taskArn, context: inCluster(clusterArn), expect: 'allow' },
    // Stopping the task it gave up on releases the migration lock before CloudFormation rolls back.
    { name: 'migration checker stops the migration task it gave up on', principal: MIGRATION_CHECK_ROLE, action: 'ecs:StopTask', resource: taskArn, context: inCluster(clusterArn), expect: 'allow' },
    { name: 'migration checker cannot stop another cluster\'s tasks', principal: MIGRATION_CHECK_ROLE, action: 'ecs:StopTask', resource: taskArn.replace(`task/${clusterName}/`, 'task/someone-elses/'), context: inCluster(otherCluster), expect: 'deny' },
    { name: 'migration checker cannot stop a task ECS places in another cluster (the ecs:cluster condition)', principal: MIGRATION_CHECK_ROLE, action: 'ecs:StopTask', resource: taskArn, context: inCluster(otherCluster), expect: 'deny' },
    { name: 'migration checker cannot run tasks', principal: MIGRATION_CHECK_ROLE, action: 'ecs:RunTask', resource: taskDefinitionArn, context: inCluster(clusterArn), expect: 'deny' },
    { name: 'migration checker cannot describe another cluster\'s tasks', principal: MIGRATION_CHECK_ROLE, action: 'ecs:DescribeTasks', resource: taskArn.replace(`task/${clusterName}/`, 'task/someone-elses/'), context: inCluster(otherCluster), expect: 'deny' },
  ];
}

/** CloudWatch Logs encrypts a log group's events with the group's key, under the group's encryption context. */
function logsServiceEncrypts(facts: RuntimeFacts, logGroupName: string, what: string): AccessRow {
  return {
    name: `CloudWatch Logs encrypts ${what} with its key`,
    principal: { service: `logs.${facts.region()}.amazonaws.com` },
    action: 'kms:GenerateDataKey',
    resource: facts.logGroupKeyArn(logGroupName),
    context: { 'kms:EncryptionContext:aws:logs:arn': facts.logGroupArn(logGroupName), 'aws:SourceAccount': facts.account },
    expect: 'allow',
  };
}

/** A function writes its own logs, encrypted with its log group's key, and (when confined) nobody else's. */
function functionLogRows(facts: RuntimeFacts, functionPath: string, principal: { role: string }, who: string, { confinedToItsGroup = true } = {}): AccessRow[] {
  const logGroupName = facts.functionLogGroupName(functionPath);
  const stream = `${facts.logGroupArn(logGroupName)}:log-stream:2026/12/01/[$LATEST]0123456789abcdef`;
  return [
    { name: `${who} creates its log stream`, principal, action: 'logs:CreateLogStream', resource: stream, context: {}, expect: 'allow' },
    { name: `${who} writes its logs`, principal, action: 'logs:PutLogEvents', resource: stream, context: {}, expect: 'allow' },
    logsServiceEncrypts(facts, logGroupName, `the ${who} log group`),
    ...(confinedToItsGroup
      ? [{ name: `${who} cannot write another log group`, principal, action: 'logs:PutLogEvents', resource: `${facts.logGroupArn('someone-elses-group')}:log-stream:x`, context: {}, expect: 'deny' } as const]
      : []),
  ];
}

function snapshotCopierRows(facts: RuntimeFacts): AccessRow[] {
  const env = (name: string) => facts.functionEnvironment('Data/SnapshotReplication/Copier/Function', name);
  const cluster = env('SOURCE_CLUSTER_IDENTIFIER');
  const sourceRegion = env('SOURCE_REGION');
  const backupRegion = env('BACKUP_REGION');
  const sourceId = `rds:${cluster}-2026-12-01-02-10`;
  const source = `arn:aws:rds:${sourceRegion}:${facts.account}:cluster-snapshot:${sourceId}`;
  const copy = `arn:aws:rds:${backupRegion}:${facts.account}:cluster-snapshot:${targetSnapshotIdentifier(env('COPY_PREFIX'), sourceId)}`;
  const sourceKey = facts.secretKeyArn(facts.injectedSecretArn()); // the cluster's key also encrypts its secret
  const { keyArn: backupKey, aliasName } = facts.keyByAlias(env('BACKUP_KMS_KEY_ID'));
  const rdsGrant = (region: string) => ({ 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `rds.${region}.amazonaws.com`, 'kms:CallerAccount': facts.account });
  const ownTag = { [COPY_TAG_CONDITION]: env('MANAGED_BY_TAG_VALUE') };
  return [
    { name: 'copier describes the automated snapshots', principal: COPIER_ROLE, action: 'rds:DescribeDBClusterSnapshots', resource: source, context: {}, expect: 'allow' },
    { name: 'copier lists the copies in the backup region', principal: COPIER_ROLE, action: 'rds:DescribeDBClusterSnapshots', resource: copy, context: {}, expect: 'allow' },
    { name: 'copier copies an automated snapshot (source)', principal: COPIER_ROLE, action: 'rds:CopyDBClusterSnapshot', resource: source, context: {}, expect: 'allow' },
    { name: 'copier copies an automated snapshot (target in the backup region)', principal: COPIER_ROLE, action: 'rds:CopyDBClusterSnapshot', resource: copy, context: {}, expect: 'allow' },
    { name: 'copier reads the tags of a copy', principal: COPIER_ROLE, action: 'rds:ListTagsForResource', resource: copy, context: {}, expect: 'allow' },
    { name: 'copier tags its copy', principal: COPIER_ROLE, action: 'rds:AddTagsToResource', resource: copy, context: {}, expect: 'allow' },
    { name: 'copier lets RDS use the source key (grant)', principal: COPIER_ROLE, action: 'kms:CreateGrant', resource: sourceKey, context: rdsGrant(sourceRegion), expect: 'allow' },
    { name: 'copier describes the source key', principal: COPIER_ROLE, action: 'kms:DescribeKey', resource: sourceKey, context: {}, expect: 'allow' },
    { name: 'copier lets RDS use the backup-region key, by alias (grant)', principal: COPIER_ROLE, action: 'kms:CreateGrant', resource: backupKey, context: { ...rdsGrant(backupRegion), 'kms:ResourceAliases': [aliasName] }, expect: 'allow' },
    { name: 'copier describes the backup-region key, by alias', principal: COPIER_ROLE, action: 'kms:DescribeKey', resource: backupKey, context: { 'kms:ResourceAliases': [aliasName] }, expect: 'allow' },
    { name: 'copier cannot grant on a backup-region key without the alias', principal: COPIER_ROLE, action: 'kms:CreateGrant', resource: backupKey, context: { ...rdsGrant(backupRegion), 'kms:ResourceAliases': ['alias/someone-else'] }, expect: 'deny' },
    { name: 'copier cannot grant the source key to a non-AWS resource', principal: COPIER_ROLE, action: 'kms:CreateGrant', resource: sourceKey, context: { ...rdsGrant(sourceRegion), 'kms:GrantIsForAWSResource': 'false' }, expect: 'deny' },
    { name: 'copier deletes an expired copy it tagged', principal: COPIER_ROLE, action: 'rds:DeleteDBClusterSnapshot', resource: copy, context: ownTag, expect: 'allow' },
    { name: 'copier cannot delete an untagged snapshot', principal: COPIER_ROLE, action: 'rds:DeleteDBClusterSnapshot', resource: copy, context: {}, expect: 'deny' },
    { name: 'copier cannot delete a snapshot tagged by another copier', principal: COPIER_ROLE, action: 'rds:DeleteDBClusterSnapshot', resource: copy, context: { [COPY_TAG_CONDITION]: 'someone-else' }, expect: 'deny' },
    { name: 'copier cannot delete an automated snapshot', principal: COPIER_ROLE, action: 'rds:DeleteDBClusterSnapshot', resource: source, context: ownTag, expect: 'deny' },
  ];
}

function awsBackupRows(model: PolicyModel, facts: RuntimeFacts): AccessRow[] {
  const principal = { role: BACKUP_ROLE_PATH };
  const roleArn = model.role(BACKUP_ROLE_PATH).arn;
  const plan = model.property('Data/SnapshotReplication/BackupPlan', 'BackupPlan') as { BackupPlanRule: { CopyActions: { DestinationBackupVaultArn: string }[] }[] };
  const destination = plan.BackupPlanRule[0].CopyActions[0].DestinationBackupVaultArn;
  const destinationRegion = destination.split(':')[3];
  const { keyArn: destinationKey } = facts.keyByAlias(facts.functionEnvironment('Data/SnapshotReplication/Copier/Function', 'BACKUP_KMS_KEY_ID'));
  const snapshot = (id: string) => `arn:aws:rds:${destinationRegion}:${facts.account}:cluster-snapshot:${id}`;
  return [
    { name: 'AWS Backup assumes its role', principal: { service: 'backup.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, context: { 'aws:SourceAccount': facts.account }, expect: 'allow' },
    { name: 'AWS Backup acting for another account cannot assume its role', principal: { service: 'backup.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, context: { 'aws:SourceAccount': OTHER_ACCOUNT }, expect: 'deny' },
    { name: 'a Lambda cannot assume the AWS Backup role', principal: { service: 'lambda.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, context: {}, expect: 'deny' },
    { name: 'AWS Backup copies out of the primary-region vault', principal, action: 'backup:CopyFromBackupVault', resource: model.attribute('Data/SnapshotReplication/BackupVault', 'BackupVaultArn'), context: {}, expect: 'allow' },
    { name: 'AWS Backup copies into the backup-region vault', principal, action: 'backup:CopyIntoBackupVault', resource: destination, context: {}, expect: 'allow' },
    { name: 'AWS Backup copies the cluster snapshot into the backup region', principal, action: 'rds:CopyDBClusterSnapshot', resource: snapshot('awsbackup:copyjob-0123456789'), context: {}, expect: 'allow' },
    { name: 'AWS Backup lets RDS use the backup-region key (grant)', principal, action: 'kms:CreateGrant', resource: destinationKey, context: { 'kms:GrantIsForAWSResource': 'true', 'kms:ViaService': `rds.${destinationRegion}.amazonaws.com`, 'kms:CallerAccount': facts.account }, expect: 'allow' },
    { name: 'AWS Backup role cannot delete the copier\'s snapshots', principal, action: 'rds:DeleteDBClusterSnapshot', resource: snapshot('bulwark-copy-app-db-2026-12-01-02-10'), context: {}, expect: 'deny' },
  ];
}

function ipSetSyncRows(facts: RuntimeFacts): AccessRow[] {
  const env = (name: string) => facts.functionEnvironment('Service/Edge/IpSetSync/Function', name);
  const parameter = `arn:aws:ssm:${facts.region()}:${facts.account}:parameter${env('BLOCKLIST_SOURCE')}`;
  const sets = [facts.ipSetArn(env('IPV4_SET_NAME'), env('IPV4_SET_ID')), facts.ipSetArn(env('IPV6_SET_NAME'), env('IPV6_SET_ID'))];
  const allowSet = facts.ipSetArn(env('IPV4_SET_NAME').replace('block', 'allow'), 'allow-set-id');
  return [
    { name: 'IP-set sync reads the blocklist parameter', principal: IP_SET_SYNC_ROLE, action: 'ssm:GetParameter', resource: parameter, context: {}, expect: 'allow' },
    { name: 'IP-set sync cannot write the blocklist parameter', principal: IP_SET_SYNC_ROLE, action: 'ssm:PutParameter', resource: parameter, context: {}, expect: 'deny' },
    ...sets.flatMap((set): AccessRow[] => [
      { name: `IP-set sync reads ${set.split('/')[2]}`, principal: IP_SET_SYNC_ROLE, action: 'wafv2:GetIPSet', resource: set, context: {}, expect: 'allow' },
      { name: `IP-set sync updates ${set.split('/')[2]}`, principal: IP_SET_SYNC_ROLE, action: 'wafv2:UpdateIPSet', resource: set, context: {}, expect: 'allow' },
    ]),
    { name: 'IP-set sync cannot update the allow list', principal: IP_SET_SYNC_ROLE, action: 'wafv2:UpdateIPSet', resource: allowSet, context: {}, expect: 'deny' },
    { name: 'a deployment starts the IP-set sync', principal: DEPLOY_TIME_INVOKER, action: 'lambda:InvokeFunction', resource: facts.functionArn('Service/Edge/IpSetSync/Function'), context: {}, expect: 'allow' },
    { name: 'the deployment invoker cannot invoke the copier', principal: DEPLOY_TIME_INVOKER, action: 'lambda:InvokeFunction', resource: facts.functionArn('Data/SnapshotReplication/Copier/Function'), context: {}, expect: 'deny' },
  ];
}

function alarmRows(facts: RuntimeFacts): AccessRow[] {
  const { topicArn, keyArn, alarmArn } = facts.alarmTopic();
  const source = { 'aws:SourceAccount': facts.account, 'aws:SourceArn': alarmArn };
  return [
    { name: 'CloudWatch alarms publish to the alarm topic', principal: CLOUDWATCH, action: 'sns:Publish', resource: topicArn, context: source, expect: 'allow' },
    { name: 'CloudWatch alarms encrypt with the topic key', principal: CLOUDWATCH, action: 'kms:GenerateDataKey', resource: keyArn, context: source, expect: 'allow' },
    { name: 'CloudWatch alarms decrypt with the topic key', principal: CLOUDWATCH, action: 'kms:Decrypt', resource: keyArn, context: source, expect: 'allow' },
    { name: "another account's alarms cannot publish to the alarm topic", principal: CLOUDWATCH, action: 'sns:Publish', resource: topicArn, context: { ...source, 'aws:SourceAccount': '999999999999' }, expect: 'deny' },
    { name: 'the alarm topic refuses publishing without TLS', principal: CLOUDWATCH, action: 'sns:Publish', resource: topicArn, context: { ...source, 'aws:SecureTransport': 'false' }, expect: 'deny' },
  ];
}

/** EventBridge publishes a finding to the encrypted alarm topic: the topic policy must name the rule, the key policy must let EventBridge encrypt. */
function findingRoutingRows(facts: RuntimeFacts): AccessRow[] {
  const { keyArn } = facts.alarmTopic();
  const rows = ['guardDuty', 'securityHub', 'inspector'].map((source): AccessRow => {
    const { functionArn: topicArn, ruleArn } = facts.ruleTarget(`${SECURITY_BASELINE}/Findings/${source}`);
    return { name: `EventBridge rule for ${source} findings publishes to the alarm topic`, principal: EVENTS, action: 'sns:Publish', resource: topicArn, context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': facts.account }, expect: 'allow' };
  });
  const { functionArn: topicArn, ruleArn } = facts.ruleTarget(`${SECURITY_BASELINE}/Findings/guardDuty`);
  const source = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': facts.account };
  const strangerRule = `arn:aws:events:${facts.region()}:${facts.account}:rule/someone-elses-rule`;
  // Security Hub's failed control checks go to a topic of their own, which pages nobody.
  const failedControls = facts.ruleTarget(`${SECURITY_BASELINE}/Findings/securityHubFailedControls`);
  const failedControlsSource = { 'aws:SourceArn': failedControls.ruleArn, 'aws:SourceAccount': facts.account };
  const complianceKeyArn = facts.topicKeyArn(failedControls.functionArn);
  return [
    ...rows,
    { name: 'EventBridge rule for failed Security Hub controls publishes to the compliance topic', principal: EVENTS, action: 'sns:Publish', resource: failedControls.functionArn, context: failedControlsSource, expect: 'allow' },
    { name: 'EventBridge rule for failed Security Hub controls cannot publish to the alarm topic (never pages)', principal: EVENTS, action: 'sns:Publish', resource: topicArn, context: failedControlsSource, expect: 'deny' },
    // EventBridge's KMS requests for an encrypted topic carry no aws:SourceArn or
    // aws:SourceAccount (SNS guide, "compatibility between event sources and encrypted
    // topics"), so these rows give none: a key policy that required them would drop every event.
    { name: 'EventBridge encrypts failed controls with the compliance topic key', principal: EVENTS, action: 'kms:GenerateDataKey', resource: complianceKeyArn, context: {}, expect: 'allow' },
    { name: 'EventBridge cannot hand out grants on the compliance topic key', principal: EVENTS, action: 'kms:CreateGrant', resource: complianceKeyArn, context: {}, expect: 'deny' },
    { name: 'EventBridge encrypts findings with the alarm topic key', principal: EVENTS, action: 'kms:GenerateDataKey', resource: keyArn, context: {}, expect: 'allow' },
    { name: 'EventBridge decrypts with the alarm topic key', principal: EVENTS, action: 'kms:Decrypt', resource: keyArn, context: {}, expect: 'allow' },
    { name: 'another EventBridge rule cannot publish to the alarm topic', principal: EVENTS, action: 'sns:Publish', resource: topicArn, context: { ...source, 'aws:SourceArn': strangerRule }, expect: 'deny' },
    { name: 'EventBridge cannot re-encrypt or manage the alarm topic key', principal: EVENTS, action: 'kms:ReEncryptFrom', resource: keyArn, context: {}, expect: 'deny' },
  ];
}

/** AWS Config assumes its role and delivers snapshots through it into its KMS-encrypted bucket. */
function configRecorderRows(facts: RuntimeFacts): AccessRow[] {
  const roleArn = facts.recorderRoleArn(`${SECURITY_BASELINE}/Config/Recorder`);
  const { objectArn, bucketArn, keyArn } = facts.configDelivery(`${SECURITY_BASELINE}/Config/DeliveryChannel`);
  const viaS3 = { 'kms:ViaService': `s3.${facts.region('Monitoring')}.amazonaws.com`, 'kms:CallerAccount': facts.account };
  return [
    { name: 'AWS Config assumes its recorder role', principal: { service: 'config.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, context: { 'aws:SourceAccount': facts.account }, expect: 'allow' },
    { name: 'AWS Config acting for another account cannot assume the recorder role', principal: { service: 'config.amazonaws.com' }, action: 'sts:AssumeRole', resource: roleArn, context: { 'aws:SourceAccount': OTHER_ACCOUNT }, expect: 'deny' },
    { name: 'the Config role checks its bucket', principal: CONFIG_ROLE, action: 's3:GetBucketAcl', resource: bucketArn, context: {}, expect: 'allow' },
    { name: 'the Config role delivers a snapshot', principal: CONFIG_ROLE, action: 's3:PutObject', resource: objectArn, context: {}, expect: 'allow' },
    { name: 'the Config role encrypts the snapshot with the bucket key', principal: CONFIG_ROLE, action: 'kms:GenerateDataKey', resource: keyArn, context: viaS3, expect: 'allow' },
    { name: 'the Config role cannot write outside the Config prefix', principal: CONFIG_ROLE, action: 's3:PutObject', resource: objectArn.replace('/AWSLogs/', '/elsewhere/'), context: {}, expect: 'deny' },
    { name: 'the Config role cannot delete delivered history', principal: CONFIG_ROLE, action: 's3:DeleteObject', resource: objectArn, context: {}, expect: 'deny' },
  ];
}

/** The deployment-time call that turns Inspector on (and off when the baseline is removed). */
function inspectorEnablerRows(facts: RuntimeFacts): AccessRow[] {
  const inspectorRole = `arn:aws:iam::${facts.account}:role/aws-service-role/inspector2.amazonaws.com/AWSServiceRoleForAmazonInspector2`;
  return [
    { name: 'a deployment enables Inspector', principal: INSPECTOR_ENABLER, action: 'inspector2:Enable', resource: '*', context: {}, expect: 'allow' },
    { name: 'a deployment creates the Inspector service-linked role', principal: INSPECTOR_ENABLER, action: 'iam:CreateServiceLinkedRole', resource: inspectorRole, context: { 'iam:AWSServiceName': 'inspector2.amazonaws.com' }, expect: 'allow' },
    { name: 'the Inspector enabler cannot disable Inspector (it stays on for the account when the stack goes)', principal: INSPECTOR_ENABLER, action: 'inspector2:Disable', resource: '*', context: {}, expect: 'deny' },
    { name: 'the Inspector enabler cannot change what Inspector scans elsewhere', principal: INSPECTOR_ENABLER, action: 'inspector2:UpdateConfiguration', resource: '*', context: {}, expect: 'deny' },
    { name: 'the Inspector enabler cannot create other service-linked roles', principal: INSPECTOR_ENABLER, action: 'iam:CreateServiceLinkedRole', resource: `arn:aws:iam::${facts.account}:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty`, context: { 'iam:AWSServiceName': 'guardduty.amazonaws.com' }, expect: 'deny' },
  ];
}

function scheduleRows(facts: RuntimeFacts): AccessRow[] {
  const rules = ['Data/SnapshotReplication/SnapshotCreated', 'Data/SnapshotReplication/CatchUp', 'Service/Edge/SyncSchedule'];
  const rows = rules.map((rule): AccessRow => {
    const { functionArn, ruleArn } = facts.ruleTarget(rule);
    return { name: `EventBridge rule ${rule.split('/').pop()} invokes its function`, principal: EVENTS, action: 'lambda:InvokeFunction', resource: functionArn, context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': facts.account }, expect: 'allow' };
  });
  const { functionArn } = facts.ruleTarget(rules[0]);
  const strangerRule = `arn:aws:events:${facts.region()}:${facts.account}:rule/someone-elses-rule`;
  return [
    ...rows,
    { name: 'another EventBridge rule cannot invoke the copier', principal: EVENTS, action: 'lambda:InvokeFunction', resource: functionArn, context: { 'aws:SourceArn': strangerRule, 'aws:SourceAccount': facts.account }, expect: 'deny' },
  ];
}

function logDeliveryRows(model: PolicyModel, facts: RuntimeFacts): AccessRow[] {
  const albObject = facts.albAccessLogObjectArn();
  const elbAccount = RegionInfo.get(facts.region('Service')).elbv2Account;
  // Regions opened after August 2022 have no ELB account: there the service principal delivers.
  const albPrincipal = elbAccount ? { externalRole: `arn:aws:iam::${elbAccount}:root` } : { service: 'logdelivery.elasticloadbalancing.amazonaws.com' };
  const flowLog = facts.flowLog();
  const flowLogRole = { role: FLOW_LOG_ROLE_PATH };
  const flowStream = `${facts.logGroupArn(flowLog.logGroupName)}:log-stream:eni-0123456789abcdef0-all`;
  if (model.role(FLOW_LOG_ROLE_PATH).arn !== flowLog.roleArn) throw new Error(`the flow log delivers through ${flowLog.roleArn}, not ${FLOW_LOG_ROLE_PATH}`);
  return [
    { name: 'ALB writes its access logs to the bucket', principal: albPrincipal, action: 's3:PutObject', resource: albObject, context: {}, expect: 'allow' },
    { name: 'ALB cannot write outside its log prefix', principal: albPrincipal, action: 's3:PutObject', resource: albObject.replace(/\/[^/]*\/AWSLogs\//, '/elsewhere/AWSLogs/'), context: {}, expect: 'deny' },
    { name: 'anonymous callers cannot read the access-log bucket', principal: { anonymous: true }, action: 's3:GetObject', resource: albObject, context: {}, expect: 'deny' },
    { name: 'the ELB account cannot read the access logs back', principal: albPrincipal, action: 's3:GetObject', resource: albObject, context: {}, expect: 'deny' },
    { name: 'log delivery writes access logs for this account', principal: { service: 'delivery.logs.amazonaws.com' }, action: 's3:PutObject', resource: albObject, context: { 'aws:SourceAccount': facts.account, 's3:x-amz-acl': 'bucket-owner-full-control' }, expect: 'allow' },
    { name: 'log delivery acting for another account cannot write into the bucket', principal: { service: 'delivery.logs.amazonaws.com' }, action: 's3:PutObject', resource: albObject, context: { 'aws:SourceAccount': OTHER_ACCOUNT, 's3:x-amz-acl': 'bucket-owner-full-control' }, expect: 'deny' },
    logsServiceEncrypts(facts, facts.wafLogGroupName(), 'the WAF log group'),
    { name: 'VPC flow logs assume their delivery role', principal: { service: 'vpc-flow-logs.amazonaws.com' }, action: 'sts:AssumeRole', resource: flowLog.roleArn, context: { 'aws:SourceAccount': facts.account }, expect: 'allow' },
    { name: 'VPC flow logs acting for another account cannot assume the delivery role', principal: { service: 'vpc-flow-logs.amazonaws.com' }, action: 'sts:AssumeRole', resource: flowLog.roleArn, context: { 'aws:SourceAccount': OTHER_ACCOUNT }, expect: 'deny' },
    { name: 'VPC flow logs create their log stream', principal: flowLogRole, action: 'logs:CreateLogStream', resource: flowStream, context: {}, expect: 'allow' },
    { name: 'VPC flow logs write their records', principal: flowLogRole, action: 'logs:PutLogEvents', resource: flowStream, context: {}, expect: 'allow' },
    logsServiceEncrypts(facts, flowLog.logGroupName, 'the flow log group'),
    { name: 'the flow log role cannot write other log groups', principal: flowLogRole, action: 'logs:PutLogEvents', resource: `${facts.logGroupArn('someone-elses-group')}:log-stream:x`, context: {}, expect: 'deny' },
    { name: "another account's log service cannot use the flow log key", principal: { service: `logs.${facts.region()}.amazonaws.com` }, action: 'kms:GenerateDataKey', resource: facts.logGroupKeyArn(flowLog.logGroupName), context: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${facts.region()}:999999999999:log-group:theirs` }, expect: 'deny' },
  ];
}

function rumRows(facts: RuntimeFacts): AccessRow[] {
  const monitor = facts.rumAppMonitorArn();
  return [
    { name: 'RUM guest role puts events to the app monitor', principal: RUM_GUEST_ROLE, action: 'rum:PutRumEvents', resource: monitor, context: {}, expect: 'allow' },
    { name: 'RUM guest role cannot put events to another app monitor', principal: RUM_GUEST_ROLE, action: 'rum:PutRumEvents', resource: monitor.replace(/appmonitor\/.*/, 'appmonitor/someone-else'), context: {}, expect: 'deny' },
    { name: 'RUM guest role cannot read the app monitor', principal: RUM_GUEST_ROLE, action: 'rum:GetAppMonitor', resource: monitor, context: {}, expect: 'deny' },
  ];
}

/**
 * The CDK bootstrap roles trust their own account (bootstrap-template.yaml in the aws-cdk
 * package, statement "AssumeRole for same account"); the stage does not hold them.
 */
function bootstrapTrust(account: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole', Resource: '*' }] };
}

/**
 * `cdk diff --method template` on a pull request: the diff role reads the deployed
 * templates of the stage's stacks (and nested stacks) in both regions, and nothing else.
 */
function diffRows(model: PolicyModel, facts: RuntimeFacts, diff: { role: string }): AccessRow[] {
  const stackArn = (name: string, region = facts.region('Service')) => `arn:aws:cloudformation:${region}:${facts.account}:stack/${name}/0a1b2c3d-0000-4000-8000-000000000000`;
  const service = model.stackNameOf('Service');
  const read = (name: string, action: string, resource: string, expect: 'allow' | 'deny'): AccessRow => ({ name, principal: diff, action, resource, context: {}, expect });
  return [
    ...['cloudformation:DescribeStacks', 'cloudformation:GetTemplate', 'cloudformation:ListStackResources'].map((action) =>
      read(`CI diff role may ${action.split(':')[1]} of a stage stack`, action, stackArn(service), 'allow'),
    ),
    read('CI diff role reads the template of a nested stack of the stage', 'cloudformation:GetTemplate', stackArn(`${model.stackNameOf('Data')}-RotationNested-1ABC`), 'allow'),
    read('CI diff role reads the template of a backup-region stack', 'cloudformation:GetTemplate', stackArn(model.stackNameOf('BackupRegion'), facts.region('BackupRegion')), 'allow'),
    read("CI diff role cannot read another stack's template", 'cloudformation:GetTemplate', stackArn('SomeoneElse-prod-Service'), 'deny'),
    read('CI diff role cannot change a stage stack', 'cloudformation:UpdateStack', stackArn(service), 'deny'),
    read('CI diff role cannot create a change set', 'cloudformation:CreateChangeSet', stackArn(service), 'deny'),
    read("CI diff role cannot read the app's logs", 'logs:GetLogEvents', `${facts.logGroupArn(facts.appContainer().LogConfiguration.Options['awslogs-group'], facts.region('Service'))}:log-stream:app/App/1`, 'deny'),
    read("CI diff role cannot read the load balancer's access logs", 's3:GetObject', facts.albAccessLogObjectArn(), 'deny'),
  ];
}

function ciRows(model: PolicyModel, facts: RuntimeFacts): AccessRow[] {
  const deploy = { role: CI_DEPLOY_ROLE_PATH };
  const diff = { role: CI_DIFF_ROLE_PATH };
  const trust = bootstrapTrust(facts.account);
  const assume = (name: string, principal: { role: string }, resource: string, expect: 'allow' | 'deny'): AccessRow => ({ name, principal, action: 'sts:AssumeRole', resource, context: {}, expect, outsideResourcePolicy: trust });
  const backupRegion = facts.region('BackupRegion');
  return [
    ...(['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const).flatMap((kind) => [
      assume(`CI deploy role assumes the bootstrap ${kind} role`, deploy, facts.bootstrapRoleArn(kind), 'allow'),
      assume(`CI deploy role assumes the bootstrap ${kind} role of the backup region`, deploy, facts.bootstrapRoleArn(kind, backupRegion), 'allow'),
    ]),
    assume('CI deploy role cannot assume another role of the account', deploy, `arn:aws:iam::${facts.account}:role/OrganizationAccountAccessRole`, 'deny'),
    { name: 'CI deploy role cannot create IAM users', principal: deploy, action: 'iam:CreateUser', resource: `arn:aws:iam::${facts.account}:user/intruder`, context: {}, expect: 'deny' },
    ...(model.has(CI_DIFF_ROLE_PATH)
      ? [
          ...diffRows(model, facts, diff),
          assume('CI diff role cannot assume the bootstrap lookup role (ReadOnlyAccess: every log group and object)', diff, facts.bootstrapRoleArn('lookup'), 'deny'),
          assume('CI diff role cannot assume the bootstrap deploy role', diff, facts.bootstrapRoleArn('deploy'), 'deny'),
        ]
      : []),
  ];
}
