import { projectOnly } from './vitest-project.mts';

// The config tests only: plain calls of lib/config, seconds for the whole set, so the group
// can afford to run all of them for each static mutant. bin/'s tests synthesize the whole
// app (minutes) and stay out, as in the lib group.
export default projectOnly('infra', {
  include: ['test/config/**/*.test.ts'],
  exclude: ['test/config/bin.test.ts'],
});
