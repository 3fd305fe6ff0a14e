import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'lib',
  // Stage config and its rules, and the construct code that builds WAF rules and grants
  // permissions: a surviving mutant there is a rule or a permission no test pins.
  mutate: [
    'lib/config/**/*.ts',
    '!lib/config/index.ts',
    'lib/constructs/edge-protection-rules.ts',
    'lib/constructs/waf-capacity.ts',
    'lib/constructs/internal/service-trust.ts',
    'lib/constructs/aurora-database.ts',
    'lib/constructs/web-service/task.ts',
  ],
  vitestProject: 'infra',
  breakAt: 70,
});
