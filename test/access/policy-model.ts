import awsManagedPolicies from './aws-managed-policies.json';
import { CfnResolver, type CfnResource, type StackTemplate } from './cfn-resolver';

/**
 * Every identity and resource policy of one stage, resolved to concrete JSON with the fake ARNs
 * of {@link CfnResolver}, and indexed the way IAM evaluates them: identity policies by role,
 * resource policies by the resource that owns them.
 */

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

export type PolicyStatement = Record<string, any>;

export interface NamedPolicy {
  /** Where the policy comes from: `<stack>/<logical id>` or an AWS managed policy ARN. */
  readonly name: string;
  readonly policy: PolicyDocument;
}

export interface RoleModel {
  readonly stackName: string;
  readonly logicalId: string;
  readonly arn: string;
  readonly identityPolicies: readonly NamedPolicy[];
  /** Managed policies attached to the role whose documents the stage does not hold and aws-managed-policies.json lacks. */
  readonly unmodelledManagedPolicies: readonly string[];
}

/** A resource found by its construct path, e.g. `Data/Database/Key`. */
export interface LocatedResource {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resource: CfnResource;
}

const AWS_MANAGED: Record<string, { document: PolicyDocument }> = awsManagedPolicies.policies as any;

export class PolicyModel {
  readonly resolver: CfnResolver;
  private readonly roles = new Map<string, RoleModel>();
  private readonly resourcePolicies = new Map<string, PolicyStatement[]>();

  constructor(readonly stacks: readonly StackTemplate[]) {
    this.resolver = new CfnResolver(stacks);
    this.collectRoles();
    this.collectResourcePolicies();
  }

  /** The stack of this stage whose name ends with `-<tier>` (stack names are `<Prefix>-<stage>-<Tier>`). */
  stackNameOf(tier: string): string {
    const matches = this.stacks.filter((s) => s.stackName.endsWith(`-${tier}`));
    if (matches.length !== 1) throw new Error(`expected one stack for tier ${tier}, found ${matches.map((s) => s.stackName).join(', ') || 'none'}`);
    return matches[0].stackName;
  }

  /** Whether the stage has a resource at `<Tier>/<construct path>` (some exist in prod only). */
  has(path: string): boolean {
    return this.find(path) !== undefined;
  }

  /** The resource at `<Tier>/<construct path>`: the construct itself or its default child `Resource`. */
  locate(path: string): LocatedResource {
    const found = this.find(path);
    if (!found) throw new Error(`no resource at ${path} in ${this.stacks.map((s) => s.stackName).join(', ')}`);
    return found;
  }

  /** `Fn::GetAtt` of the resource at `path`, resolved. */
  attribute(path: string, attribute = 'Arn'): string {
    const { stackName, logicalId } = this.locate(path);
    return String(this.resolver.resolve(stackName, { 'Fn::GetAtt': [logicalId, attribute] }));
  }

  /** A property of the resource at `path`, resolved. */
  property(path: string, property: string): unknown {
    return this.propertyOf(this.locate(path), property);
  }

  /** The resource of `type` whose `Ref` resolves to `value` (e.g. the log group a container logs to). */
  findByRef(type: string, value: string): LocatedResource {
    const hit = this.resourcesOf(type).find(({ stack, logicalId }) => this.resolver.resolve(stack.stackName, { Ref: logicalId }) === value);
    if (!hit) throw new Error(`no ${type} in this stage has Ref ${value}`);
    return { stackName: hit.stack.stackName, logicalId: hit.logicalId, resource: hit.resource };
  }

  /** A property of a located resource, resolved. */
  propertyOf(located: LocatedResource, property: string): unknown {
    return this.resolver.resolve(located.stackName, located.resource.Properties?.[property]);
  }

  role(path: string): RoleModel {
    const { stackName, logicalId, resource } = this.locate(path);
    if (resource.Type !== 'AWS::IAM::Role') throw new Error(`${path} is a ${resource.Type}, not an IAM role`);
    return this.roles.get(`${stackName}/${logicalId}`)!;
  }

  /** The resource policy that governs `resourceArn` (key, bucket, topic, function, secret, role trust, log resource policy). */
  resourcePolicyFor(resourceArn: string): PolicyDocument | undefined {
    const statements = ownerArns(resourceArn).flatMap((owner) => this.resourcePolicies.get(owner) ?? []);
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }

  private find(path: string): LocatedResource | undefined {
    const [tier, ...rest] = path.split('/');
    const stackName = this.stacks.find((s) => s.stackName.endsWith(`-${tier}`))?.stackName;
    if (stackName === undefined) return undefined;
    const full = [stackName, ...rest].join('/');
    const template = this.resolver.stack(stackName).template;
    for (const candidate of [full, `${full}/Resource`]) {
      const hit = Object.entries(template.Resources ?? {}).find(([, r]) => r.Metadata?.['aws:cdk:path'] === candidate);
      if (hit) return { stackName, logicalId: hit[0], resource: hit[1] };
    }
    return undefined;
  }

  private resourcesOf(type: string): { stack: StackTemplate; logicalId: string; resource: CfnResource }[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .filter(([, r]) => r.Type === type)
        .map(([logicalId, resource]) => ({ stack, logicalId, resource })),
    );
  }

  private resolveIn(stack: StackTemplate, value: unknown): any {
    return this.resolver.resolve(stack.stackName, value);
  }

  private collectRoles(): void {
    const resolve = this.resolveIn.bind(this);
    const customerManaged = new Map<string, NamedPolicy>();
    for (const { stack, logicalId, resource } of this.resourcesOf('AWS::IAM::ManagedPolicy')) {
      customerManaged.set(String(resolve(stack, { Ref: logicalId })), { name: `${stack.stackName}/${logicalId}`, policy: resolve(stack, resource.Properties?.PolicyDocument) });
    }
    const byName = new Map<string, NamedPolicy[]>();
    for (const { stack, logicalId, resource } of this.resourcesOf('AWS::IAM::Role')) {
      const props = resource.Properties ?? {};
      const policies: NamedPolicy[] = (props.Policies ?? []).map((p: any) => ({ name: `${stack.stackName}/${logicalId}/${p.PolicyName}`, policy: resolve(stack, p.PolicyDocument) }));
      const unmodelled: string[] = [];
      for (const managedArn of resolve(stack, props.ManagedPolicyArns ?? []) as string[]) {
        const known = customerManaged.get(managedArn) ?? (AWS_MANAGED[managedArn] && { name: managedArn, policy: AWS_MANAGED[managedArn].document });
        if (known) policies.push(known);
        else unmodelled.push(managedArn);
      }
      const arn = String(resolve(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] }));
      byName.set(`${stack.account}:${this.resolver.physicalName(stack.stackName, logicalId)}`, policies);
      this.roles.set(`${stack.stackName}/${logicalId}`, { stackName: stack.stackName, logicalId, arn, identityPolicies: policies, unmodelledManagedPolicies: unmodelled });
      // A role's trust policy is the resource policy of sts:AssumeRole* on it.
      this.addResourceStatements(arn, resolve(stack, props.AssumeRolePolicyDocument));
    }
    // Policies may instead name the roles they attach to (`Roles`); a policy attached both ways counts once.
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const { stack, logicalId, resource } of this.resourcesOf(type)) {
        const policy = { name: `${stack.stackName}/${logicalId}`, policy: resolve(stack, resource.Properties?.PolicyDocument) };
        for (const roleName of resolve(stack, resource.Properties?.Roles ?? []) as string[]) {
          const attached = byName.get(`${stack.account}:${roleName}`);
          if (attached && !attached.some((p) => p.name === policy.name)) attached.push(policy);
        }
      }
    }
  }

  private collectResourcePolicies(): void {
    const resolve = this.resolveIn.bind(this);
    for (const { stack, logicalId, resource } of this.resourcesOf('AWS::KMS::Key')) {
      this.addResourceStatements(String(resolve(stack, { 'Fn::GetAtt': [logicalId, 'Arn'] })), resolve(stack, resource.Properties?.KeyPolicy));
    }
    for (const { stack, resource } of this.resourcesOf('AWS::S3::BucketPolicy')) {
      this.addResourceStatements(`arn:aws:s3:::${resolve(stack, resource.Properties?.Bucket)}`, resolve(stack, resource.Properties?.PolicyDocument));
    }
    for (const { stack, resource } of this.resourcesOf('AWS::SNS::TopicPolicy')) {
      const document = resolve(stack, resource.Properties?.PolicyDocument);
      for (const topic of resolve(stack, resource.Properties?.Topics) as string[]) this.addResourceStatements(topic, document);
    }
    for (const { stack, resource } of this.resourcesOf('AWS::SecretsManager::ResourcePolicy')) {
      this.addResourceStatements(String(resolve(stack, resource.Properties?.SecretId)), resolve(stack, resource.Properties?.ResourcePolicy));
    }
    for (const { stack, logicalId, resource } of this.resourcesOf('AWS::Backup::BackupVault')) {
      const access = resource.Properties?.AccessPolicy;
      if (access) this.addResourceStatements(String(resolve(stack, { 'Fn::GetAtt': [logicalId, 'BackupVaultArn'] })), resolve(stack, access));
    }
    for (const { stack, resource } of this.resourcesOf('AWS::Logs::ResourcePolicy')) {
      // CloudWatch Logs resource policies belong to the account and region, not to one log group.
      const document = resolve(stack, resource.Properties?.PolicyDocument);
      this.addResourceStatements(logsAccountScope(stack.region, stack.account), typeof document === 'string' ? JSON.parse(document) : document);
    }
    for (const { stack, logicalId, resource } of this.resourcesOf('AWS::Lambda::Permission')) {
      const props = resolve(stack, resource.Properties);
      this.addResourceStatements(functionArnOf(props.FunctionName, stack), { Statement: [lambdaPermissionStatement(`${stack.stackName}/${logicalId}`, props, stack)] });
    }
  }

  private addResourceStatements(ownerArn: string, document: PolicyDocument | undefined): void {
    if (!document) return;
    const statements = this.resourcePolicies.get(ownerArn) ?? [];
    statements.push(...document.Statement);
    this.resourcePolicies.set(ownerArn, statements);
  }
}

/** The ARNs whose resource policies govern a request on `resourceArn`. */
function ownerArns(resourceArn: string): string[] {
  const parts = resourceArn.split(':');
  if (parts[2] === 's3') return [resourceArn.split('/')[0]];
  if (parts[2] === 'logs') return [logsAccountScope(parts[3], parts[4])];
  return [resourceArn];
}

function logsAccountScope(region: string, account: string): string {
  return `logs:${region}:${account}`;
}

function functionArnOf(functionName: string, stack: StackTemplate): string {
  return functionName.startsWith('arn:') ? functionName : `arn:aws:lambda:${stack.region}:${stack.account}:function:${functionName}`;
}

/** The statement Lambda adds to a function's policy for an AWS::Lambda::Permission. */
function lambdaPermissionStatement(sid: string, props: Record<string, string>, stack: StackTemplate): PolicyStatement {
  const principal = props.Principal;
  const condition: Record<string, Record<string, string>> = {};
  if (props.SourceArn) condition.ArnLike = { 'aws:SourceArn': props.SourceArn };
  if (props.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': props.SourceAccount };
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principal === '*' ? '*' : principal.includes('.') ? { Service: principal } : { AWS: principal },
    Action: props.Action,
    Resource: functionArnOf(props.FunctionName, stack),
    ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
  };
}
