import { describe, expect, it } from 'vitest';
import { backupKeyAliasName, backupVaultName, businessMetricNamespace, operationsMetricNamespace, stackName, stageParameterName, stageStackNamePattern } from '../../lib/config/names';

// Stacks in different regions find each other's resources by these names alone, so each
// name is pinned: a change here is a resource one stack can no longer find in another.
describe('deterministic names of a stage', () => {
  const prod = { prefix: 'Bulwark', stage: 'prod' };

  it('stack names keep the prefix as written', () => {
    expect(stackName(prod, 'BackupRegion')).toBe('Bulwark-prod-BackupRegion');
  });

  it("the stage's stacks (the CI diff role reads their templates) are one IAM pattern", () => {
    expect(stageStackNamePattern(prod)).toBe('Bulwark-prod-*');
  });

  it('the backup key alias and vault are lower-case prefix and stage', () => {
    expect(backupKeyAliasName(prod)).toBe('alias/bulwark-prod-backup-copies');
    expect(backupVaultName(prod)).toBe('bulwark-prod-backup-copies');
  });

  it('metric namespaces are per prefix, shared by the stages', () => {
    expect(operationsMetricNamespace(prod)).toBe('Bulwark/Operations');
    expect(businessMetricNamespace(prod)).toBe('Bulwark/Business');
  });

  it('hand-over parameters live under /prefix/stage/', () => {
    expect(stageParameterName(prod, 'data/secret-arn')).toBe('/bulwark/prod/data/secret-arn');
  });
});
