import { beforeAll, describe, expect, it } from 'vitest';
import { generateSbom, nameRootComponent, SBOM_TARGETS } from '../../scripts/sbom';

describe('SBOMs of the app and the library (npm sbom, CycloneDX)', () => {
  const boms: Record<string, ReturnType<typeof generateSbom>> = {};
  beforeAll(() => {
    for (const target of SBOM_TARGETS) boms[target.file] = generateSbom(target);
  }, 120_000);

  it("lists the app's runtime dependencies and none of the build's tools", () => {
    const app = boms['app.cdx.json'];
    expect(app.metadata.component).toMatchObject({ name: '@bulwark-cdk/app', type: 'application' });
    const names = new Set(app.components?.map((c) => c.name));
    for (const runtime of ['fastify', 'pg', 'helmet']) expect(names).toContain(runtime);
    for (const tool of ['vitest', 'aws-cdk-lib', 'esbuild']) expect(names).not.toContain(tool);
  });

  it('names the shipped library package, not the checkout folder', () => {
    expect(boms['library.cdx.json'].metadata.component).toMatchObject({ name: '@bulwark-cdk/constructs', type: 'library' });
  });

  it('refuses output that is not CycloneDX', () => {
    expect(() => nameRootComponent({ bomFormat: 'SPDX', metadata: { component: { name: 'x', version: '1' } } }, { name: 'y', version: '2' })).toThrow(/not CycloneDX/);
  });
});
