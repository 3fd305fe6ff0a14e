import { describe, expect, it } from 'vitest';
import { bundleSize } from '../../bench/lambda-bundles';
import type { LambdaName } from '../../lambda/bundles';

/**
 * The functions are bundled as the library build bundles them (lambda/bundles.ts),
 * and only the Powertools packages each function uses may end up inside: esbuild follows
 * imports, so an unused package here means an import that should not be there.
 */
describe.each<{ lambda: LambdaName; powertools: string[] }>([
  { lambda: 'snapshot-copier', powertools: ['commons', 'logger', 'metrics', 'tracer'] },
  { lambda: 'ip-set-sync', powertools: ['commons', 'logger', 'metrics', 'parameters', 'tracer'] },
])('the $lambda bundle', ({ lambda, powertools }) => {
  it('holds only the Powertools packages the function uses, and no middleware engine', async () => {
    const { packages } = await bundleSize(lambda);
    const bundled = Object.keys(packages).filter((name) => name.startsWith('@aws-lambda-powertools/'));
    expect(bundled.sort()).toEqual(powertools.map((name) => `@aws-lambda-powertools/${name}`));
    expect(Object.keys(packages)).not.toContain('@middy/core');
  });
});
