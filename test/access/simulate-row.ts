import { anonymousPrincipal, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { NamedPolicy, PolicyDocument, PolicyModel, PolicyStatement } from './policy-model';

/** Who makes the call. */
export type PrincipalSpec =
  /** A role of the stage, by construct path: `<Tier>/<path>`, e.g. `Service/Web/Task/ExecutionRole`. */
  | { readonly role: string }
  /** An AWS service acting on its own behalf, e.g. `events.amazonaws.com`. */
  | { readonly service: string }
  /** A role outside the stage (an AWS-owned account or the CDK bootstrap), by ARN. */
  | { readonly externalRole: string }
  | { readonly anonymous: true };

/** One runtime call: who, what, on which resource, in which request context, and what must happen. */
export interface AccessRow {
  readonly name: string;
  readonly principal: PrincipalSpec;
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  readonly expect: 'allow' | 'deny';
  /** The policy of a resource outside the stage (the CDK bootstrap roles), as its own template writes it. */
  readonly outsideResourcePolicy?: PolicyDocument;
}

/** Policies to use instead of the stage's own: how the mutation tests take a permission away. */
export interface PolicyOverrides {
  readonly identityPolicies?: readonly NamedPolicy[];
  readonly resourcePolicy?: PolicyDocument;
}

export interface RowOutcome {
  readonly decision: 'allow' | 'deny';
  /** The simulator's verdict: Allowed, ImplicitlyDenied or ExplicitlyDenied. */
  readonly verdict: string;
}

/** Every SDK call goes over TLS; policies that deny `aws:SecureTransport: false` must see it. */
const TRANSPORT_CONTEXT = { 'aws:SecureTransport': 'true' };

/**
 * Principals outside the stage whose own identity policies no template holds: the AWS-owned
 * log-delivery account and the CDK bootstrap roles. Their side is taken as allowing the
 * call, so the row tests the stage's side alone (the bucket policy, the trust policy).
 */
const OUTSIDE_IDENTITY: readonly NamedPolicy[] = [
  { name: 'outside the stage: its own side allows', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
];

/** The identity policies the row's principal carries in the stage (none for services and anonymous callers). */
function identityPoliciesOf(model: PolicyModel, principal: PrincipalSpec): readonly NamedPolicy[] {
  if ('role' in principal) {
    const role = model.role(principal.role);
    if (role.unmodelledManagedPolicies.length > 0) {
      throw new Error(`${principal.role} has managed policies whose documents are unknown (add AWS managed ones to aws-managed-policies.json): ${role.unmodelledManagedPolicies.join(', ')}`);
    }
    return role.identityPolicies;
  }
  return 'externalRole' in principal ? OUTSIDE_IDENTITY : [];
}

/** The resource policy that governs the row's resource, if it has one. */
export function resourcePolicyOf(model: PolicyModel, row: AccessRow): PolicyDocument | undefined {
  return row.outsideResourcePolicy ?? model.resourcePolicyFor(row.resource);
}

/** Simulates one row as AWS evaluates it: identity policies and the resource's own policy together. */
export async function simulateRow(model: PolicyModel, row: AccessRow, overrides: PolicyOverrides = {}): Promise<RowOutcome> {
  const resourcePolicy = overrides.resourcePolicy ?? resourcePolicyOf(model, row);
  const simulation: Simulation = {
    request: {
      principal: principalValue(model, row.principal),
      action: row.action,
      resource: { resource: row.resource, accountId: resourceAccount(model, row.resource) },
      contextVariables: renameContextKeys({ ...TRANSPORT_CONTEXT, ...row.context }),
    },
    identityPolicies: (overrides.identityPolicies ?? identityPoliciesOf(model, row.principal)).map((p) => ({ name: p.name, policy: renamePolicyKeys(p.policy) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: resourcePolicy && renamePolicyKeys(resourcePolicy),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new Error(`row "${row.name}" is not a valid request: ${JSON.stringify(response.errors)}`);
  }
  const results = response.resultType === 'single' ? [response.result] : response.results;
  const ignored = [...new Set(results.flatMap((r) => r.ignoredContextKeys ?? []))];
  if (ignored.length > 0) {
    // A context value the simulator drops would make the row test nothing: fail instead.
    throw new Error(`row "${row.name}": the simulator ignores context keys ${ignored.join(', ')} for ${row.action}`);
  }
  return { decision: response.overallResult === 'Allowed' ? 'allow' : 'deny', verdict: response.overallResult };
}

/**
 * iam-simulate (0.1.173) recognises a condition key with a variable part only when the
 * variable follows a "/" (`aws:PrincipalTag/x`). KMS's `kms:EncryptionContext:<key>` puts it
 * after a ":", so the simulator drops such context values as unknown keys and every statement
 * conditioned on them fails. The harness renames those keys, in the request context and in
 * every policy condition alike, to a "/" form the simulator carries through untouched
 * (`aws:RequestTag/<original key>`); operators and values stay as written, so the comparison
 * is the one AWS makes.
 */
const ENCRYPTION_CONTEXT_KEY = /^kms:encryptioncontext:/i;
const SURROGATE_PREFIX = 'aws:RequestTag/';

function surrogateKey(key: string): string {
  return ENCRYPTION_CONTEXT_KEY.test(key) ? `${SURROGATE_PREFIX}${key}` : key;
}

function renameContextKeys(context: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(context).map(([key, value]) => [surrogateKey(key), value]));
}

function renamePolicyKeys(policy: PolicyDocument): PolicyDocument {
  const statements = ([] as PolicyStatement[]).concat(policy.Statement);
  return {
    ...policy,
    Statement: statements.map((statement) =>
      statement.Condition === undefined
        ? statement
        : {
            ...statement,
            Condition: Object.fromEntries(
              Object.entries(statement.Condition as Record<string, Record<string, unknown>>).map(([operator, keys]) => [
                operator,
                Object.fromEntries(Object.entries(keys).map(([key, value]) => [surrogateKey(key), value])),
              ]),
            ),
          },
    ),
  };
}

function principalValue(model: PolicyModel, principal: PrincipalSpec): Simulation['request']['principal'] {
  if ('role' in principal) return model.role(principal.role).arn;
  if ('service' in principal) return principal.service;
  if ('externalRole' in principal) return principal.externalRole;
  return anonymousPrincipal;
}

/** The account that owns the resource: from its ARN, or (S3 ARNs have none) the stage's account. */
function resourceAccount(model: PolicyModel, resourceArn: string): string {
  return resourceArn.split(':')[4] || model.stacks[0].account;
}
