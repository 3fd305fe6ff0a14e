import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'lib',
  // Stage config and its rules, and the construct code that builds WAF rules and grants
  // permissions: a surviving mutant there is a rule or a permission no test pins.
  // (AuroraDatabase's grant is one delegating line, grantConnect: its only mutant, an empty
  // body, does not compile, so the file is not mutated.)
  mutate: [
    'lib/config/**/*.ts',
    // The stage files are values, not rules: the stack tests check where each one lands.
    '!lib/config/stages/**',
    'lib/constructs/edge-protection-rules.ts',
    'lib/constructs/waf-capacity.ts',
    'lib/constructs/internal/service-trust.ts',
    // The local secret reference and the kms:Decrypt grant the service's roles read their secret by.
    'lib/constructs/internal/secret-reference.ts',
    'lib/constructs/web-service/task.ts',
  ],
  vitestProject: 'infra',
  breakAt: 70,
  // The construct tests synthesize their stacks in beforeAll, so a mutant in construct code
  // is static there (each a run of every related suite); like the app group's, they are left
  // to the full run docs/testing.md describes, and the config rules (run per test) are scored.
  ignoreStatic: true,
});
