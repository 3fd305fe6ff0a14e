import { projectOnly } from './vitest-project.mts';

// The schemathesis contract fuzz and the DAST run drive the whole API through an external
// Python tool for minutes: with per-test coverage every mutant in the app would re-run them.
// They probe the API from outside (and run in the normal suite); a mutant has to be killed
// by the tests that pin the behaviour it changes.
export default projectOnly('app', { exclude: ['test/app/schemathesis.test.ts', 'test/app/dast.test.ts'] });
