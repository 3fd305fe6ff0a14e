import type { PolicyModel } from './policy-model';

/**
 * What the deployed stage's code and services actually call, read from the same templates:
 * the image and log group in the container definition, the secret ECS injects, the copier's
 * and the sync's environment, the alarm actions, the rule targets, the load balancer's log
 * bucket. Rows built from these facts test the policies against the calls the runtime
 * makes, not against what the policies happen to name.
 */
export class RuntimeFacts {
  constructor(private readonly model: PolicyModel) {}

  get account(): string {
    return this.model.stacks[0].account;
  }

  /** The region of the stack of `tier` (the primary region for all but BackupRegion). */
  region(tier = 'Data'): string {
    return this.model.resolver.stack(this.model.stackNameOf(tier)).region;
  }

  /** A container of the task definition at `taskPath`. */
  container(taskPath: string, name: string): Record<string, any> {
    const definitions = this.model.property(taskPath, 'ContainerDefinitions') as Record<string, any>[];
    const container = definitions.find((d) => d.Name === name);
    if (!container) throw new Error(`the task definition ${taskPath} has no ${name} container (has ${definitions.map((d) => d.Name).join(', ')})`);
    return container;
  }

  appContainer(): Record<string, any> {
    return this.container('Service/Web/Task', 'App');
  }

  /** The one-off migration task's container (DatabaseMigration). */
  migrationContainer(): Record<string, any> {
    return this.container('Service/Migration/Task', 'Migrate');
  }

  /** What the migration runner is asked to run: the custom resource's properties, as the Lambda receives them. */
  migrationRun(): { taskDefinitionArn: string; clusterArn: string } {
    const path = 'Service/Migration/Resource/Default';
    return { taskDefinitionArn: String(this.model.property(path, 'TaskDefinitionArn')), clusterArn: String(this.model.property(path, 'ClusterArn')) };
  }

  appEnvironment(name: string): string {
    const variable = (this.appContainer().Environment as { Name: string; Value: string }[]).find((e) => e.Name === name);
    if (!variable) throw new Error(`the App container has no environment variable ${name}`);
    return variable.Value;
  }

  /** The ECR repository the App image is pulled from (the CDK bootstrap's asset repository). */
  imageRepositoryArn(container = this.appContainer()): string {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec(String(container.Image));
    if (!match) throw new Error(`the ${container.Name} image ${container.Image} is not in a private ECR repository`);
    return `arn:aws:ecr:${match[2]}:${match[1]}:repository/${match[3]}`;
  }

  /** The log stream the awslogs driver writes a container's output to (the App container's by default). */
  appLogStreamArn(container = this.appContainer()): string {
    const options = container.LogConfiguration.Options;
    return `${this.logGroupArn(options['awslogs-group'], options['awslogs-region'])}:log-stream:${options['awslogs-stream-prefix']}/${container.Name}/0123456789abcdef`;
  }

  /** The secret ECS injects as `variable` (the part of `valueFrom` before any JSON key). */
  injectedSecretArn(variable = 'DB_PASSWORD', container = this.appContainer()): string {
    const secrets = container.Secrets as { Name: string; ValueFrom: string }[];
    const secret = secrets.find((s) => s.Name === variable);
    if (!secret) throw new Error(`the ${container.Name} container injects no secret as ${variable} (it injects ${secrets.map((s) => s.Name).join(', ')})`);
    return secret.ValueFrom.split(':').slice(0, 7).join(':');
  }

  /** The KMS key a secret is encrypted with. */
  secretKeyArn(secretArn: string): string {
    return String(this.model.propertyOf(this.model.findByRef('AWS::SecretsManager::Secret', secretArn), 'KmsKeyId'));
  }

  logGroupArn(logGroupName: string, region = this.region()): string {
    return `arn:aws:logs:${region}:${this.account}:log-group:${logGroupName}`;
  }

  /** The KMS key a log group is encrypted with. */
  logGroupKeyArn(logGroupName: string): string {
    return String(this.model.propertyOf(this.model.findByRef('AWS::Logs::LogGroup', logGroupName), 'KmsKeyId'));
  }

  functionEnvironment(path: string, name: string): string {
    const variables = (this.model.property(path, 'Environment') as { Variables: Record<string, string> }).Variables;
    if (!(name in variables)) throw new Error(`${path} has no environment variable ${name}`);
    return variables[name];
  }

  /** The log group a function logs to (its LoggingConfig). */
  functionLogGroupName(path: string): string {
    const logging = this.model.property(path, 'LoggingConfig') as { LogGroup?: string } | undefined;
    if (!logging?.LogGroup) throw new Error(`${path} logs to the default /aws/lambda group, which no template holds`);
    return logging.LogGroup;
  }

  functionArn(path: string): string {
    return this.model.attribute(path);
  }

  /** The function an EventBridge rule targets, and the rule's ARN (the invocation's aws:SourceArn). */
  ruleTarget(rulePath: string): { functionArn: string; ruleArn: string } {
    const targets = this.model.property(rulePath, 'Targets') as { Arn: string }[];
    return { functionArn: targets[0].Arn, ruleArn: this.model.attribute(rulePath) };
  }

  /** The key that encrypts the topic `topicArn` (as a rule target or alarm action names it). */
  topicKeyArn(topicArn: string): string {
    return String(this.model.propertyOf(this.model.findByRef('AWS::SNS::Topic', topicArn), 'KmsMasterKeyId'));
  }

  /** The topic every alarm of the Monitoring stack notifies, and the key that encrypts it. */
  alarmTopic(): { topicArn: string; keyArn: string; alarmArn: string } {
    const monitoring = this.model.stackNameOf('Monitoring');
    const resources = this.model.resolver.stack(monitoring).template.Resources ?? {};
    const alarms = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
    const actions = new Set(alarms.flatMap(([, r]) => this.model.resolver.resolve(monitoring, r.Properties?.AlarmActions ?? []) as string[]));
    if (actions.size !== 1) throw new Error(`expected every alarm to notify one topic, found ${[...actions].join(', ') || 'none'}`);
    const topicArn = [...actions][0];
    const topic = this.model.findByRef('AWS::SNS::Topic', topicArn);
    return {
      topicArn,
      keyArn: String(this.model.propertyOf(topic, 'KmsMasterKeyId')),
      alarmArn: String(this.model.resolver.resolve(monitoring, { 'Fn::GetAtt': [alarms[0][0], 'Arn'] })),
    };
  }

  /** The role an AWS Config recorder assumes. */
  recorderRoleArn(recorderPath: string): string {
    return String(this.model.property(recorderPath, 'RoleARN'));
  }

  /** Where AWS Config delivers (its delivery channel's bucket and key), as a delivered object's ARN. */
  configDelivery(channelPath: string): { objectArn: string; bucketArn: string; keyArn: string } {
    const bucket = String(this.model.property(channelPath, 'S3BucketName'));
    return {
      objectArn: `arn:aws:s3:::${bucket}/AWSLogs/${this.account}/Config/${this.region('Monitoring')}/2026/12/1/ConfigSnapshot/snapshot.json.gz`,
      bucketArn: `arn:aws:s3:::${bucket}`,
      keyArn: String(this.model.property(channelPath, 'S3KmsKeyArn')),
    };
  }

  /** Where the load balancer writes its access logs: the object key prefix AWS uses. */
  albAccessLogObjectArn(): string {
    const attributes = this.model.property('Service/Web/LoadBalancer', 'LoadBalancerAttributes') as { Key: string; Value: string }[];
    const attribute = (key: string) => attributes.find((a) => a.Key === key)?.Value;
    if (attribute('access_logs.s3.enabled') !== 'true') throw new Error('the load balancer does not write access logs');
    const prefix = attribute('access_logs.s3.prefix');
    const key = `${prefix ? `${prefix}/` : ''}AWSLogs/${this.account}/elasticloadbalancing/${this.region('Service')}/2026/12/01/log.gz`;
    return `arn:aws:s3:::${attribute('access_logs.s3.bucket')}/${key}`;
  }

  /** The VPC flow log's delivery role and destination log group. */
  flowLog(): { roleArn: string; logGroupName: string } {
    return {
      roleArn: String(this.model.property('Network/Network/Vpc/FlowLog/FlowLog', 'DeliverLogsPermissionArn')),
      logGroupName: String(this.model.property('Network/Network/Vpc/FlowLog/FlowLog', 'LogGroupName')),
    };
  }

  /** The log group the WAF logging configuration writes to. */
  wafLogGroupName(): string {
    const [destination] = this.model.property('Service/Edge/Logging', 'LogDestinationConfigs') as string[];
    return destination.split(':log-group:')[1];
  }

  /** The WAF IP set the sync updates, from its name and id in the function's environment. */
  ipSetArn(name: string, id: string): string {
    return `arn:aws:wafv2:${this.region('Service')}:${this.account}:regional/ipset/${name}/${id}`;
  }

  rumAppMonitorArn(): string {
    return `arn:aws:rum:${this.region('Service')}:${this.account}:appmonitor/${this.model.property('Service/Rum/AppMonitor', 'Name')}`;
  }

  /** The key behind a KMS alias of this stage, and the alias's name. */
  keyByAlias(aliasArn: string): { keyArn: string; aliasName: string } {
    const aliasName = aliasArn.split(':').slice(5).join(':');
    return { keyArn: String(this.model.propertyOf(this.model.findByRef('AWS::KMS::Alias', aliasName), 'TargetKeyId')), aliasName };
  }

  /** The ARN of a CDK bootstrap role (default qualifier) of this account in `region`. */
  bootstrapRoleArn(kind: 'deploy' | 'file-publishing' | 'image-publishing' | 'lookup', region = this.region()): string {
    return `arn:aws:iam::${this.account}:role/cdk-hnb659fds-${kind}-role-${this.account}-${region}`;
  }
}
