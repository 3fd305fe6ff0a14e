/**
 * The custom resource's properties: what to run and where. They come from the
 * DatabaseMigration construct (which names them with MIGRATION_RESOURCE_PROPERTIES), so a
 * change of task definition (a new image) is a change of properties, which is what makes
 * CloudFormation send an Update, and the migration run again.
 */
export const MIGRATION_RESOURCE_PROPERTIES = {
  clusterArn: 'ClusterArn',
  taskDefinitionArn: 'TaskDefinitionArn',
  containerName: 'ContainerName',
  subnetIds: 'SubnetIds',
  securityGroupIds: 'SecurityGroupIds',
  logStreamPrefix: 'LogStreamPrefix',
} as const;

export interface MigrationTask {
  readonly clusterArn: string;
  readonly taskDefinitionArn: string;
  readonly containerName: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** `<prefix>/<container>/<task id>` is the task's log stream, named in a failure. */
  readonly logStreamPrefix: string;
}

const P = MIGRATION_RESOURCE_PROPERTIES;
const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[\w-]{1,255}$/;
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[\w-]{1,255}:\d+$/;
const SUBNET_ID = /^subnet-[0-9a-f]+$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]+$/;

function text(properties: Record<string, unknown>, name: string, pattern: RegExp, description: string): string {
  const value = properties[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new Error(`${name} must be ${description}, got ${JSON.stringify(value)}`);
  return value;
}

function ids(properties: Record<string, unknown>, name: string, pattern: RegExp, description: string): string[] {
  const value = properties[name];
  if (!Array.isArray(value) || value.length === 0 || !value.every((id) => typeof id === 'string' && pattern.test(id))) {
    throw new Error(`${name} must be a non-empty list of ${description}, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** Validates the resource properties; the error names the property, and reaches the stack's events. */
export function parseMigrationTask(properties: Record<string, unknown> | undefined): MigrationTask {
  const props = properties ?? {};
  return {
    clusterArn: text(props, P.clusterArn, CLUSTER_ARN, 'an ECS cluster ARN'),
    taskDefinitionArn: text(props, P.taskDefinitionArn, TASK_DEFINITION_ARN, 'an ECS task definition ARN with its revision'),
    containerName: text(props, P.containerName, /^[\w-]{1,255}$/, 'a container name'),
    subnetIds: ids(props, P.subnetIds, SUBNET_ID, 'subnet ids'),
    securityGroupIds: ids(props, P.securityGroupIds, SECURITY_GROUP_ID, 'security group ids'),
    logStreamPrefix: text(props, P.logStreamPrefix, /^[\w-]{1,128}$/, 'a log stream prefix'),
  };
}
