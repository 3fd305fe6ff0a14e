import { describe, expect, it } from 'vitest';
import { loadStageConfig, stageParameterName, type StageConfig } from '../../lib/config';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';

type Template = { Resources: Record<string, { Type: string; Properties?: unknown }>; Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }> };

/** Every stack template of the stage, by stack name. */
function synthesize(config: StageConfig): Map<string, Template> {
  const app = testApp({ stage: config.stage });
  createStage(app, config);
  const assembly = app.synth();
  return new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template as Template]));
}

const importsOf = (template: Template): string[] => [...JSON.stringify(template).matchAll(/"Fn::ImportValue":"([^"]+)"/g)].map((match) => match[1]);

function exportsOf(template: Template): Map<string, unknown> {
  return new Map(Object.values(template.Outputs ?? {}).flatMap((output) => (output.Export ? [[output.Export.Name, output.Value] as const] : [])));
}

/** Logical ids a value refers to (Ref / Fn::GetAtt). */
function referencedIds(value: unknown): string[] {
  const json = JSON.stringify(value);
  return [...json.matchAll(/"Ref":"([A-Za-z0-9]+)"/g), ...json.matchAll(/"Fn::GetAtt":\["([A-Za-z0-9]+)"/g)].map((match) => match[1]);
}

describe('restoring prod from a snapshot (database.restoreFromSnapshot)', () => {
  const prod = loadStageConfig('prod');
  const snapshot = `arn:aws:rds:${prod.region}:${prod.account}:cluster-snapshot:bulwark-prod-copy-bulwark-prod-db-2026-11-30-02-00`;
  const before = synthesize(prod);
  const after = synthesize({ ...prod, database: { ...prod.database, restoreFromSnapshot: snapshot } });
  const data = 'Bulwark-prod-Data';

  it('rebuilds the cluster (the test would mean nothing otherwise), with the same secret setting its password', () => {
    const clusterOf = (template: Template) => Object.values(template.Resources).find((resource) => resource.Type === 'AWS::RDS::DBCluster')!;
    expect(clusterOf(before.get(data)!).Properties).not.toHaveProperty('SnapshotIdentifier');
    expect(clusterOf(after.get(data)!).Properties).toMatchObject({ SnapshotIdentifier: snapshot });
    const secretIds = (template: Template) => Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret').map(([id]) => id);
    expect(secretIds(after.get(data)!)).toEqual(secretIds(before.get(data)!));
  });

  it('changes no export another stack imports, nor the resources behind them', () => {
    const imported = [...after.values()].flatMap(importsOf).filter((name) => name.startsWith(`${data}:`));
    expect(imported.length).toBeGreaterThan(0);
    const exportsBefore = exportsOf(before.get(data)!);
    const exportsAfter = exportsOf(after.get(data)!);
    for (const name of imported) {
      expect(exportsAfter.get(name), name).toEqual(exportsBefore.get(name));
      for (const id of referencedIds(exportsAfter.get(name))) {
        expect(after.get(data)!.Resources[id], `${name} → ${id}`).toEqual(before.get(data)!.Resources[id]);
      }
    }
  });

  it('leaves the Service and Monitoring templates as they were: they read the new cluster and secret from SSM when they deploy', () => {
    for (const tier of ['Service', 'Monitoring']) expect(after.get(`Bulwark-prod-${tier}`)).toEqual(before.get(`Bulwark-prod-${tier}`));
    const parameters = Object.values(after.get(data)!.Resources).filter((resource) => resource.Type === 'AWS::SSM::Parameter');
    expect(parameters.map((parameter) => (parameter.Properties as { Name: string }).Name).sort()).toEqual(
      [stageParameterName(prod, 'data/cluster-identifier'), stageParameterName(prod, 'data/runtime-secret-arn'), stageParameterName(prod, 'data/secret-arn')].sort(),
    );
    expect(JSON.stringify(after.get('Bulwark-prod-Service'))).toContain(stageParameterName(prod, 'data/secret-arn'));
    expect(JSON.stringify(after.get('Bulwark-prod-Service'))).toContain(stageParameterName(prod, 'data/runtime-secret-arn'));
    expect(JSON.stringify(after.get('Bulwark-prod-Monitoring'))).toContain(stageParameterName(prod, 'data/cluster-identifier'));
  });
});
