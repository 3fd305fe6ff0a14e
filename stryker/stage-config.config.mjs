import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'stage-config',
  // Stage config and its rules: the validation that fails a synthesis with a message, the
  // quota budget, the privacy inventory, the names and WAF limits derived from a stage.
  mutate: [
    'lib/config/**/*.ts',
    // The stage files are values, not rules: the stack tests check where each one lands.
    '!lib/config/stages/**',
  ],
  vitestProject: 'stage-config',
  breakAt: 70,
  // Its rules live in module-level tables (Fargate sizes, regular expressions, the quota
  // table), so many of its mutants are static. Its tests are plain function calls, a whole
  // run of them seconds, so the static mutants are run and scored, not ignored.
  ignoreStatic: false,
});
