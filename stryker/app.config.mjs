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
  // The app's suites build the Fastify app and the database once, in beforeAll, so a static
  // mutant (module-level code) would cost a 70-second run of the whole suite. Instead the
  // tests load such modules anew in each test (test/support/fresh-module.ts), which traces
  // those mutants to the tests that pin them; test:mutation fails if any is left ignored.
  ignoreStatic: true,
});
