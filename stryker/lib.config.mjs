import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'lib',
  // The construct code that builds WAF rules and grants permissions: a surviving mutant there
  // is a rule or a permission no test pins. (The stage config is the stage-config group;
  // AuroraDatabase's grant is one delegating line, grantConnect: its only mutant, an empty
  // body, does not compile, so the file is not mutated.)
  mutate: [
    'lib/constructs/edge-protection-rules.ts',
    'lib/constructs/waf-capacity.ts',
    'lib/constructs/internal/service-trust.ts',
    // The local secret reference and the kms:Decrypt grant the service's roles read their secret by.
    'lib/constructs/internal/secret-reference.ts',
    'lib/constructs/web-service/task.ts',
  ],
  vitestProject: 'infra',
  breakAt: 70,
  // Most construct tests synthesize their stacks in beforeAll, where a mutant is static (a run
  // of every related suite each, minutes). The tests that score this code build their stack in
  // each test (secret-reference, service-trust, the *-shape tests) and load the modules whose
  // tables are built at load time anew in each test (test/support/fresh-module.ts);
  // test:mutation fails if a static mutant is left ignored.
  ignoreStatic: true,
});
