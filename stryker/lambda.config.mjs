import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'lambda',
  // bundles.ts is the build list for esbuild, not Lambda behaviour.
  mutate: ['lambda/**/*.ts', '!lambda/bundles.ts'],
  vitestProject: 'lambda',
  breakAt: 80,
});
