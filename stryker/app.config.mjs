import { mutationGroup } from './base.mjs';

export default mutationGroup({
  name: 'app',
  // The app's data, auth, limits and error paths; routes and server start-up are wiring.
  mutate: [
    'app/src/db/**/*.ts',
    'app/src/plugins/auth.ts',
    // Which user a token belongs to: the key of the per-user limits.
    'app/src/user-ids.ts',
    'app/src/plugins/rate-limit.ts',
    // The per-IP limit's key: IPv6 per /64, IPv4-mapped addresses as IPv4.
    'app/src/client-address.ts',
    'app/src/routes/me/export-slots.ts',
    'app/src/plugins/errors.ts',
    'app/src/tokens.ts',
    'app/src/cursor.ts',
    'app/src/validation.ts',
    'app/src/problem.ts',
    'app/src/edge-problems.ts',
  ],
  vitestProject: 'app',
  breakAt: 80,
  // The app's suites build the Fastify app (routes, schemas, plugins) and the database once,
  // in beforeAll: 115 of its mutants are static, each a 70-second run of the whole suite
  // (about an hour on two cores). They are left to the full run that docs/testing.md
  // describes (--ignoreStatic false); the baseline and CI score the others.
  ignoreStatic: true,
});
