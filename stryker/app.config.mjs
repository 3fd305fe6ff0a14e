import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'app',
  // The app's data, auth, limits and error paths; routes and server start-up are wiring.
  mutate: [
    'app/src/db/**/*.ts',
    'app/src/plugins/auth.ts',
    'app/src/plugins/rate-limit.ts',
    'app/src/plugins/errors.ts',
    'app/src/tokens.ts',
    'app/src/cursor.ts',
    'app/src/validation.ts',
    'app/src/problem.ts',
    'app/src/edge-problems.ts',
  ],
  vitestProject: 'app',
  breakAt: 80,
});
