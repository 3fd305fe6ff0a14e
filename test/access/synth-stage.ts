import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Tags } from 'aws-cdk-lib';
import { loadStageConfig, type StageConfig } from '../../lib/config';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';
import type { CfnTemplate, StackTemplate } from './cfn-resolver';

/**
 * Synthesizes every stack of a shipped stage in-process, as `cdk synth -c stage=NAME` does
 * (cdk.json's feature flags, the config's tags), with construct paths in the metadata so
 * the access-path rows can name resources by path instead of by hashed logical id (and
 * `configure` can switch on what a shipped stage leaves off, such as the load test). The
 * assembly directory (asset copies included) is removed once the templates are read.
 */
export function synthesizeStage(stage: string, configure: (config: StageConfig) => StageConfig = (config) => config): StackTemplate[] {
  const config = configure(loadStageConfig(stage));
  const outdir = mkdtempSync(path.join(tmpdir(), `bulwark-access-${stage}-`));
  try {
    const app = testApp({ stage, 'aws:cdk:enable-path-metadata': true }, { outdir });
    createStage(app, config);
    for (const [key, value] of Object.entries(config.tags)) Tags.of(app).add(key, value);
    return app.synth().stacks.map((stack) => ({
      stackName: stack.stackName,
      account: stack.environment.account,
      region: stack.environment.region,
      template: stack.template as CfnTemplate,
    }));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
