import { projectOnly } from './vitest-project.mts';

// The config and construct tests. Stack, access-path and delivery tests synthesize whole
// stages (minutes per run), too slow to repeat per mutant; a mutant only they would kill
// counts as surviving here, so the lib score is a lower bound.
export default projectOnly('infra', { include: ['test/config/**/*.test.ts', 'test/constructs/**/*.test.ts'] });
