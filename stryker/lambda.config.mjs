import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'lambda',
  // bundles.ts is esbuild's options (target, minify, source maps, licence comments), not what a
  // function does: the tests that pin them (pack-summary, third-party-notices, bundled-function)
  // are in the infra project, which this group's runner does not run, so each option would
  // survive here whatever those tests check.
  mutate: ['lambda/**/*.ts', '!lambda/bundles.ts'],
  vitestProject: 'lambda',
  breakAt: 80,
});
