import { projectOnly } from './vitest-project.mts';

// The config and construct tests (the lib group). Stack, access-path and delivery tests
// synthesize whole stages (minutes per run), too slow to repeat per mutant; so do bin/'s tests
// (the whole app) and the logical-ID baselines (every construct, fully wired). A mutant only
// they would kill counts as surviving here, so the lib score is a lower bound.
export default projectOnly('infra', {
  include: ['test/config/**/*.test.ts', 'test/constructs/**/*.test.ts'],
  exclude: ['test/config/bin.test.ts', 'test/constructs/logical-ids/**'],
});
