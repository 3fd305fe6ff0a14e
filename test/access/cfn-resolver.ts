/**
 * Turns the CloudFormation intrinsics of a stage's templates into concrete values, offline.
 *
 * Physical names and ids do not exist before a deploy, so every resource gets a deterministic
 * fake one built from its logical id (or from the name the template gives it). What matters
 * for the access-path simulation is that the same resource resolves to the same ARN wherever
 * it is referenced: through `Ref`/`Fn::GetAtt` in its own stack, or through `Fn::ImportValue`
 * of one of its stack's exports in another stack. Attributes and intrinsics the resolver does
 * not know fail with an error naming them, so a new resource type cannot silently become a
 * wrong ARN.
 */

/** One synthesized stack: its template and the environment it deploys to. */
export interface StackTemplate {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly template: CfnTemplate;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, { readonly Value: unknown; readonly Export?: { readonly Name: unknown } }>;
  readonly Parameters?: Record<string, { readonly Type?: string; readonly Default?: unknown }>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, unknown>;
}

interface ResourceContext {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResource;
}

/** How one resource type answers `Ref` and `Fn::GetAtt`, given its fake physical name. */
interface TypeRule {
  /** The property that names the resource, when the template may set it. */
  readonly nameProperty?: string;
  /** CloudFormation lowercases some generated names (S3 buckets, RDS ids). */
  readonly lowercase?: boolean;
  readonly ref?: (r: ResolvedNames) => string;
  readonly attributes?: Record<string, (r: ResolvedNames) => string>;
}

interface ResolvedNames {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** Resolves a property of the resource itself (e.g. the secret an attachment points at). */
  readonly property: (key: string) => unknown;
}

const arn = (service: string, r: ResolvedNames, resource: string) => `arn:aws:${service}:${r.region}:${r.account}:${resource}`;
const keyArn = (r: ResolvedNames) => arn('kms', r, `key/${r.name}`);
const logGroupArn = (r: ResolvedNames) => arn('logs', r, `log-group:${r.name}`);
const secretArn = (r: ResolvedNames) => arn('secretsmanager', r, `secret:${r.name}-AbCdEf`);
const roleArn = (r: ResolvedNames) => `arn:aws:iam::${r.account}:role/${r.name}`;
const functionArn = (r: ResolvedNames) => arn('lambda', r, `function:${r.name}`);
const ipSetId = (r: ResolvedNames) => `${r.name}-id`;

const TYPE_RULES: Record<string, TypeRule> = {
  'AWS::KMS::Key': { ref: (r) => r.name, attributes: { Arn: keyArn, KeyId: (r) => r.name } },
  'AWS::KMS::Alias': { nameProperty: 'AliasName', ref: (r) => r.name },
  // The Arn attribute of a log group ends with ":*", which is what makes it match its log streams.
  'AWS::Logs::LogGroup': { nameProperty: 'LogGroupName', ref: (r) => r.name, attributes: { Arn: (r) => `${logGroupArn(r)}:*` } },
  'AWS::SecretsManager::Secret': { nameProperty: 'Name', ref: secretArn, attributes: { Id: secretArn } },
  // Ref of an attachment is the ARN of the secret it attaches.
  'AWS::SecretsManager::SecretTargetAttachment': { ref: (r) => String(r.property('SecretId')) },
  'AWS::IAM::Role': { nameProperty: 'RoleName', ref: (r) => r.name, attributes: { Arn: roleArn, RoleId: (r) => `AROA${r.name}` } },
  'AWS::IAM::ManagedPolicy': { nameProperty: 'ManagedPolicyName', ref: (r) => `arn:aws:iam::${r.account}:policy/${r.name}` },
  'AWS::IAM::OIDCProvider': { ref: (r) => `arn:aws:iam::${r.account}:oidc-provider/${r.name}` },
  'AWS::Lambda::Function': { nameProperty: 'FunctionName', ref: (r) => r.name, attributes: { Arn: functionArn } },
  'AWS::ECS::Cluster': { nameProperty: 'ClusterName', ref: (r) => r.name, attributes: { Arn: (r) => arn('ecs', r, `cluster/${r.name}`) } },
  // Ref of a task definition is the ARN of its revision (the first one, here).
  'AWS::ECS::TaskDefinition': { nameProperty: 'Family', ref: (r) => arn('ecs', r, `task-definition/${r.name}:1`) },
  'AWS::StepFunctions::StateMachine': { nameProperty: 'StateMachineName', ref: (r) => arn('states', r, `stateMachine:${r.name}`), attributes: { Name: (r) => r.name } },
  'AWS::Events::Rule': { nameProperty: 'Name', ref: (r) => r.name, attributes: { Arn: (r) => arn('events', r, `rule/${r.name}`) } },
  'AWS::SNS::Topic': { nameProperty: 'TopicName', ref: (r) => arn('sns', r, r.name), attributes: { TopicArn: (r) => arn('sns', r, r.name), TopicName: (r) => r.name } },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    lowercase: true,
    ref: (r) => r.name,
    attributes: { Arn: (r) => `arn:aws:s3:::${r.name}`, DomainName: (r) => `${r.name}.s3.amazonaws.com`, RegionalDomainName: (r) => `${r.name}.s3.${r.region}.amazonaws.com` },
  },
  'AWS::RDS::DBCluster': {
    nameProperty: 'DBClusterIdentifier',
    lowercase: true,
    ref: (r) => r.name,
    attributes: { DBClusterArn: (r) => arn('rds', r, `cluster:${r.name}`), DBClusterResourceId: (r) => `cluster-${r.name.toUpperCase()}` },
  },
  'AWS::WAFv2::IPSet': {
    nameProperty: 'Name',
    ref: (r) => `${r.name}|${ipSetId(r)}|REGIONAL`,
    attributes: { Arn: (r) => arn('wafv2', r, `regional/ipset/${r.name}/${ipSetId(r)}`), Id: ipSetId },
  },
  'AWS::WAFv2::WebACL': { nameProperty: 'Name', attributes: { Arn: (r) => arn('wafv2', r, `regional/webacl/${r.name}/${r.name}-id`) } },
  'AWS::Backup::BackupVault': {
    nameProperty: 'BackupVaultName',
    ref: (r) => r.name,
    attributes: { BackupVaultArn: (r) => arn('backup', r, `backup-vault:${r.name}`), BackupVaultName: (r) => r.name },
  },
  'AWS::CloudWatch::Alarm': { nameProperty: 'AlarmName', ref: (r) => r.name, attributes: { Arn: (r) => arn('cloudwatch', r, `alarm:${r.name}`) } },
  'AWS::RUM::AppMonitor': { nameProperty: 'Name', ref: (r) => r.name, attributes: { Id: (r) => `${r.name}-id`, Arn: (r) => arn('rum', r, `appmonitor/${r.name}`) } },
  'AWS::Cognito::IdentityPool': { ref: (r) => `${r.region}:${r.name}` },
  'AWS::EC2::VPC': { ref: (r) => `vpc-${r.name}`, attributes: { DefaultSecurityGroup: (r) => `sg-${r.name}-default` } },
  // Documentation addresses (RFC 5737): only ever data (an SSM parameter, a state machine's input), never in a policy.
  'AWS::EC2::EIP': { attributes: { PublicIp: () => '192.0.2.1' } },
  'AWS::EC2::SecurityGroup': { ref: (r) => `sg-${r.name}`, attributes: { GroupId: (r) => `sg-${r.name}` } },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    ref: (r) => arn('elasticloadbalancing', r, `loadbalancer/app/${r.name}/0123456789abcdef`),
    attributes: { LoadBalancerFullName: (r) => `app/${r.name}/0123456789abcdef` },
  },
};

/** Resolves the intrinsics of every stack of one stage (one CDK app). */
export class CfnResolver {
  private readonly stacks = new Map<string, StackTemplate>();
  private readonly exports = new Map<string, { stack: StackTemplate; value: unknown }>();
  /** Role logical ids used by more than one stack (CDK singletons such as the AwsCustomResource provider's). */
  private readonly sharedRoleIds: ReadonlySet<string>;

  constructor(stacks: readonly StackTemplate[]) {
    const roleIds = stacks.flatMap((stack) => Object.entries(stack.template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => id));
    this.sharedRoleIds = new Set(roleIds.filter((id, index) => roleIds.indexOf(id) !== index));
    for (const stack of stacks) {
      this.stacks.set(stack.stackName, stack);
      for (const [outputId, output] of Object.entries(stack.template.Outputs ?? {})) {
        if (output.Export === undefined) continue;
        const exportName = this.resolve(stack.stackName, output.Export.Name);
        if (typeof exportName !== 'string') throw new Error(`${stack.stackName}: output ${outputId} has a non-string export name`);
        this.exports.set(exportName, { stack, value: output.Value });
      }
    }
  }

  /** Every stack given to the resolver, by name. */
  stack(stackName: string): StackTemplate {
    const stack = this.stacks.get(stackName);
    if (!stack) throw new Error(`unknown stack ${stackName} (have: ${[...this.stacks.keys()].join(', ')})`);
    return stack;
  }

  /** A value from `stackName`'s template with every intrinsic replaced by a concrete value. */
  resolve(stackName: string, value: unknown): unknown {
    return this.resolveIn(this.stack(stackName), value, []);
  }

  /** The fake physical name of a resource: the name its template gives it, or one derived from its logical id. */
  physicalName(stackName: string, logicalId: string): string {
    return this.names(this.resourceContext(this.stack(stackName), logicalId), []).name;
  }

  private resolveIn(stack: StackTemplate, value: unknown, visiting: readonly string[]): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolveIn(stack, item, visiting));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
      return this.intrinsic(stack, entries[0][0], entries[0][1], visiting);
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolveIn(stack, item, visiting)]));
  }

  private intrinsic(stack: StackTemplate, fn: string, argument: any, visiting: readonly string[]): unknown {
    const resolve = (v: unknown) => this.resolveIn(stack, v, visiting);
    switch (fn) {
      case 'Ref':
        return this.ref(stack, String(argument), visiting);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/s);
        return this.getAtt(stack, logicalId, String(resolve(attribute)), visiting);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument;
        return (resolve(parts) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Sub':
        return this.sub(stack, argument, visiting);
      case 'Fn::Select': {
        const [index, list] = argument;
        return (resolve(list) as unknown[])[Number(resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, source] = argument;
        return String(resolve(source)).split(separator);
      }
      case 'Fn::ImportValue':
        return this.importValue(String(resolve(argument)), visiting);
      default:
        throw new Error(`${stack.stackName}: intrinsic ${fn} is not supported by the access-path resolver`);
    }
  }

  private sub(stack: StackTemplate, argument: unknown, visiting: readonly string[]): string {
    const [format, variables] = Array.isArray(argument) ? argument : [argument, {}];
    const bound = Object.fromEntries(Object.entries(variables as Record<string, unknown>).map(([k, v]) => [k, this.resolveIn(stack, v, visiting)]));
    return String(format).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
      if (name in bound) return String(bound[name]);
      const [logicalId, attribute] = name.split(/\.(.*)/s);
      return String(attribute === undefined ? this.ref(stack, logicalId, visiting) : this.getAtt(stack, logicalId, attribute, visiting));
    });
  }

  private ref(stack: StackTemplate, name: string, visiting: readonly string[]): unknown {
    const pseudo = pseudoParameter(stack, name);
    if (pseudo !== undefined) return pseudo;
    const parameter = stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new Error(`${stack.stackName}: parameter ${name} has no default to resolve`);
      // An SSM-typed parameter resolves, at deploy time, to the value of the parameter it
      // names: the one another stack of the stage writes (how Data hands values that a
      // restore changes to Service and Monitoring).
      return parameter.Type === 'AWS::SSM::Parameter::Value<String>' ? this.ssmParameterValue(stack, String(parameter.Default), visiting) : parameter.Default;
    }
    const context = this.resourceContext(stack, name);
    const rule = ruleFor(context);
    return rule.ref ? rule.ref(this.names(context, visiting)) : this.names(context, visiting).name;
  }

  private getAtt(stack: StackTemplate, logicalId: string, attribute: string, visiting: readonly string[]): unknown {
    const context = this.resourceContext(stack, logicalId);
    if (context.resource.Type === 'AWS::CloudFormation::CustomResource' || context.resource.Type.startsWith('Custom::') || context.resource.Type === 'AWS::CloudFormation::Stack') {
      // Outputs of custom resources and nested stacks are only known after a deploy.
      return `${logicalId}.${attribute}`;
    }
    const compute = ruleFor(context).attributes?.[attribute];
    if (!compute) throw new Error(`${stack.stackName}: Fn::GetAtt ${logicalId}.${attribute} (${context.resource.Type}) is not supported by the access-path resolver`);
    return compute(this.names(context, visiting));
  }

  private ssmParameterValue(reader: StackTemplate, parameterName: string, visiting: readonly string[]): unknown {
    for (const stack of this.stacks.values()) {
      if (stack.account !== reader.account || stack.region !== reader.region) continue;
      for (const resource of Object.values(stack.template.Resources ?? {})) {
        if (resource.Type === 'AWS::SSM::Parameter' && this.resolveIn(stack, resource.Properties?.Name, visiting) === parameterName) {
          return this.resolveIn(stack, resource.Properties?.Value, visiting);
        }
      }
    }
    throw new Error(`${reader.stackName}: no stack of this stage writes the SSM parameter ${parameterName} in ${reader.account}/${reader.region}`);
  }

  private importValue(exportName: string, visiting: readonly string[]): unknown {
    const exported = this.exports.get(exportName);
    if (!exported) throw new Error(`Fn::ImportValue: no stack of this stage exports ${exportName}`);
    if (visiting.includes(exportName)) throw new Error(`Fn::ImportValue: circular export ${exportName}`);
    return this.resolveIn(exported.stack, exported.value, [...visiting, exportName]);
  }

  private resourceContext(stack: StackTemplate, logicalId: string): ResourceContext {
    const resource = stack.template.Resources?.[logicalId];
    if (!resource) throw new Error(`${stack.stackName}: no resource or parameter ${logicalId}`);
    return { stack, logicalId, resource };
  }

  private names(context: ResourceContext, visiting: readonly string[]): ResolvedNames {
    const rule = ruleFor(context);
    const key = `${context.stack.stackName}/${context.logicalId}`;
    if (visiting.includes(key)) throw new Error(`${key}: its name depends on itself`);
    const inner = [...visiting, key];
    const given = rule.nameProperty === undefined ? undefined : context.resource.Properties?.[rule.nameProperty];
    // CloudFormation's generated names carry the stack name, so two stacks' roles with one
    // logical id never share an ARN (the policy model keys roles by ARN); elsewhere the
    // fake names stay the bare logical ids.
    const generated = context.resource.Type === 'AWS::IAM::Role' && this.sharedRoleIds.has(context.logicalId) ? `${context.stack.stackName}-${context.logicalId}` : context.logicalId;
    const name = given === undefined ? (rule.lowercase ? generated.toLowerCase() : generated) : String(this.resolveIn(context.stack, given, inner));
    return {
      name,
      account: context.stack.account,
      region: context.stack.region,
      property: (property) => this.resolveIn(context.stack, context.resource.Properties?.[property], inner),
    };
  }
}

function ruleFor(context: ResourceContext): TypeRule {
  return TYPE_RULES[context.resource.Type] ?? {};
}

function pseudoParameter(stack: StackTemplate, name: string): string | undefined {
  switch (name) {
    case 'AWS::AccountId':
      return stack.account;
    case 'AWS::Region':
      return stack.region;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return stack.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${stack.region}:${stack.account}:stack/${stack.stackName}/00000000-0000-0000-0000-000000000000`;
    default:
      return undefined;
  }
}
