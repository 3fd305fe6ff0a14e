import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The app image is a CDK image asset, published by `cdk deploy` into the CDK bootstrap's
 * container-asset repository under its content hash (docs/deploying.md, "The image
 * pipeline"). That repository is the bootstrap template's, not ours: this proves the template
 * the pinned CDK CLI bootstraps with keeps its tags immutable, so a pushed image can never be
 * replaced under a tag a task definition names.
 */
describe('the bootstrap container-asset repository', () => {
  const template = readFileSync(require.resolve('aws-cdk/lib/api/bootstrap/bootstrap-template.yaml'), 'utf8');

  it('has immutable tags', () => {
    const repository = /\n {2}ContainerAssetsRepository:\n([\s\S]*?)\n {2}\S/.exec(template)?.[1];
    expect(repository).toBeDefined();
    expect(repository).toMatch(/\n {6}ImageTagMutability: IMMUTABLE\n/);
  });
});
