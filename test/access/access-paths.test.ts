import { beforeAll, describe, expect, it } from 'vitest';
import { withLoadTestEnabled } from '../../lib/config';
import { accessRows } from './access-rows';
import type { StackTemplate } from './cfn-resolver';
import { PolicyModel, type PolicyDocument } from './policy-model';
import { RuntimeFacts } from './runtime-facts';
import { type AccessRow, type RowOutcome, resourcePolicyOf, simulateRow } from './simulate-row';
import { synthesizeStage } from './synth-stage';

/**
 * Roles that no runtime path of ours uses: CDK's own deploy-time helpers and RDS enhanced
 * monitoring (an AWS managed policy for an AWS service). Every other role must be the
 * principal of at least one allowed row, so a new role cannot arrive without its rows.
 */
const ROLES_WITHOUT_ROWS = [
  /\/Database\/Cluster\/MonitoringRole\//,
  /\/LogRetention[0-9a-f]+\/ServiceRole\//,
  /\/Custom::VpcRestrictDefaultSGCustomResourceProvider\/Role$/,
  // CDK's provider framework behind the migration custom resource: it only invokes the
  // starter and checker (whose rows are here) during deployments.
  /\/Migration\/Provider\/(framework-[A-Za-z]+\/ServiceRole|waiter-state-machine\/Role)\//,
  // The migration task calls no AWS API: its role holds nothing (a denied row says so).
  /\/Migration\/Task\/TaskRole\//,
];

/** Each stage is synthesized once per file; the mutation test works on a copy. */
const synthesized = new Map<string, StackTemplate[]>();
/** The shipped stages, and prod with its opt-in LoadTest stack switched on. */
const SYNTHESES: Record<string, () => StackTemplate[]> = {
  dev: () => synthesizeStage('dev'),
  prod: () => synthesizeStage('prod'),
  'prod+loadtest': () => synthesizeStage('prod', withLoadTestEnabled),
};
function stageTemplates(stage: string): StackTemplate[] {
  if (!synthesized.has(stage)) synthesized.set(stage, SYNTHESES[stage]());
  return synthesized.get(stage)!;
}

interface SimulatedRow {
  readonly row: AccessRow;
  readonly outcome: RowOutcome;
}

async function simulateAll(model: PolicyModel, rows: readonly AccessRow[]): Promise<SimulatedRow[]> {
  const results: SimulatedRow[] = [];
  for (const row of rows) results.push({ row, outcome: await simulateRow(model, row) });
  return results;
}

function principalLabel(row: AccessRow): string {
  const p = row.principal;
  return 'role' in p ? p.role : 'service' in p ? p.service : 'externalRole' in p ? p.externalRole : 'anonymous';
}

function printTable(stage: string, results: readonly SimulatedRow[]): void {
  console.table(
    results.map(({ row, outcome }) => ({
      row: row.name,
      principal: principalLabel(row),
      action: row.action,
      resource: row.resource.length > 90 ? `…${row.resource.slice(-89)}` : row.resource,
      expected: row.expect,
      simulated: outcome.verdict,
      ok: outcome.decision === row.expect ? 'yes' : 'NO',
    })),
  );
  const count = (expect: string) => results.filter(({ row, outcome }) => row.expect === expect && outcome.decision === expect).length;
  const mismatched = results.filter(({ row, outcome }) => row.expect !== outcome.decision).length;
  console.log(`access paths (${stage}): ${results.length} rows, ${count('allow')} allowed as expected, ${count('deny')} denied as expected, ${mismatched} mismatched`);
}

/** A copy of the policy without its Allow statements: what is left when a grant is taken away. */
function withoutAllows(policy: PolicyDocument | undefined): PolicyDocument {
  return { Version: '2012-10-17', Statement: ([] as PolicyDocument['Statement'][number][]).concat(policy?.Statement ?? []).filter((s) => s.Effect !== 'Allow') };
}

/** Same-account role calls pass on identity policies alone, except KMS (key policy) and role assumption (trust policy). */
function needsResourcePolicy(row: AccessRow): boolean {
  return !('role' in row.principal) || row.action.startsWith('kms:') || row.action.startsWith('sts:AssumeRole');
}

describe.each(Object.keys(SYNTHESES))('access paths (%s)', (stage) => {
  let model: PolicyModel;
  let results: SimulatedRow[];
  beforeAll(async () => {
    model = new PolicyModel(stageTemplates(stage));
    results = await simulateAll(model, accessRows(model));
    printTable(stage, results);
  });

  it('simulates every row as expected: allowed calls allowed, denied calls denied', () => {
    const mismatches = results.filter(({ row, outcome }) => row.expect !== outcome.decision).map(({ row, outcome }) => `${row.name}: expected ${row.expect}, simulated ${outcome.verdict}`);
    expect(mismatches).toEqual([]);
  });

  it('pairs allowed and denied rows, with unique names', () => {
    const names = results.map(({ row }) => row.name);
    expect(new Set(names).size).toBe(names.length);
    expect(results.filter(({ row }) => row.expect === 'deny').length).toBeGreaterThanOrEqual(results.filter(({ row }) => row.expect === 'allow').length / 3);
  });

  it('has an allowed row for every role of the stage that a runtime path uses', () => {
    const principals = new Set(results.filter(({ row }) => row.expect === 'allow' && 'role' in row.principal).map(({ row }) => model.role((row.principal as { role: string }).role).arn));
    const paths = model.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .filter(([, r]) => r.Type === 'AWS::IAM::Role')
        .map(([logicalId, r]) => ({ path: String(r.Metadata?.['aws:cdk:path']), arn: String(model.resolver.resolve(stack.stackName, { 'Fn::GetAtt': [logicalId, 'Arn'] })) })),
    );
    const uncovered = paths.filter(({ path, arn }) => !principals.has(arn) && !ROLES_WITHOUT_ROWS.some((pattern) => pattern.test(path))).map(({ path }) => path);
    expect(uncovered).toEqual([]);
  });

  it('denies every allowed row once its principal loses its identity statements', async () => {
    const stillAllowed: string[] = [];
    for (const { row } of results.filter(({ row }) => row.expect === 'allow' && 'role' in row.principal)) {
      if ((await simulateRow(model, row, { identityPolicies: [] })).decision === 'allow') stillAllowed.push(row.name);
    }
    expect(stillAllowed).toEqual([]);
  });

  it('denies every allowed row that needs a resource policy once that policy loses its Allow statements', async () => {
    const stillAllowed: string[] = [];
    for (const { row } of results.filter(({ row }) => row.expect === 'allow' && needsResourcePolicy(row))) {
      const resourcePolicy = withoutAllows(resourcePolicyOf(model, row));
      if ((await simulateRow(model, row, { resourcePolicy })).decision === 'allow') stillAllowed.push(row.name);
    }
    expect(stillAllowed).toEqual([]);
  });
});

describe('mutation: the execution role loses kms:Decrypt on the database secret key', () => {
  const ROW = "ECS execution role decrypts the database secret's key via Secrets Manager";
  let stacks: StackTemplate[];
  beforeAll(() => {
    stacks = stageTemplates('prod');
  });

  it('flips the row to deny when that one statement is removed from a copy of the templates', async () => {
    const original = new PolicyModel(stacks);
    const facts = new RuntimeFacts(original);
    const secretKey = facts.secretKeyArn(facts.injectedSecretArn());
    const executionRole = original.role('Service/Web/Task/ExecutionRole');
    const mutated = structuredClone(stacks);
    let removed = 0;
    for (const stack of mutated) {
      for (const resource of Object.values(stack.template.Resources ?? {})) {
        if (resource.Type !== 'AWS::IAM::Policy') continue;
        const roles = original.resolver.resolve(stack.stackName, resource.Properties?.Roles ?? []) as string[];
        if (!roles.some((name) => executionRole.arn.endsWith(`:role/${name}`))) continue;
        const statements: any[] = resource.Properties!.PolicyDocument.Statement;
        const kept = statements.filter((s) => {
          const resolved = original.resolver.resolve(stack.stackName, s) as { Action: string | string[]; Resource: string | string[] };
          return !([] as string[]).concat(resolved.Action).includes('kms:Decrypt') || !([] as string[]).concat(resolved.Resource).includes(secretKey);
        });
        removed += statements.length - kept.length;
        resource.Properties!.PolicyDocument.Statement = kept;
      }
    }
    expect(removed, `no statement of ${executionRole.arn} grants kms:Decrypt on ${secretKey}`).toBe(1);

    const row = accessRows(original).find((r) => r.name === ROW)!;
    expect((await simulateRow(original, row)).decision).toBe('allow');
    expect((await simulateRow(new PolicyModel(mutated), row)).decision).toBe('deny');
  });
});
