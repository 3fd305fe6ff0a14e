/**
 * What the three mutation groups share (stryker/*.config.mjs). Each group mutates one
 * folder group, runs only that group's vitest project, and has its own break threshold and
 * committed incremental baseline (stryker/baseline/<group>.json), which CI runs against.
 */
export function mutationGroup({ name, mutate, vitestProject, breakAt, ignoreStatic = false }) {
  return {
    packageManager: 'npm',
    testRunner: 'vitest',
    vitest: { configFile: `stryker/vitest.${vitestProject}.mts`, related: true },
    // Each mutant runs only the tests that executed it in the dry run.
    coverageAnalysis: 'perTest',
    checkers: ['typescript'],
    // Only the group's own sources (and what they import): a whole-project program takes
    // minutes to load, and tests are not type-checked when they run anyway.
    tsconfigFile: `stryker/tsconfig.${name}.json`,
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    mutate,
    // A static mutant (code that runs when a module loads or a suite's setup builds the app,
    // not inside one test) cannot be traced to the tests that cover it, so Stryker runs the
    // group's whole suite for each. A group that opts out reports them as Ignored, and its
    // tests must load such modules anew in each test instead, so none is left ignored
    // (scripts/mutation-unscored.ts fails the group otherwise; docs/testing.md).
    ignoreStatic,
    // Stryker splits the slots between TypeScript checkers and test runners: 4 makes two of
    // each (3 made one runner, the bottleneck). The checkers idle once the mutants are checked.
    concurrency: 4,
    timeoutMS: 60_000,
    // The dry run executes the group's whole suite once with per-test coverage; on a shared
    // two-core machine the app's (real PostgreSQL) takes longer than Stryker's 5-minute default.
    dryRunTimeoutMinutes: 30,
    thresholds: { high: 90, low: breakAt, break: breakAt },
    incrementalFile: `stryker/baseline/${name}.json`,
    reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    tempDirName: `.stryker-tmp/${name}`,
    cleanTempDir: 'always',
    // The sandbox is a copy of the worktree: leave out other groups' sandboxes, what is
    // rebuilt and what is large, but keep the moto_server launcher (test/support/moto-server.ts
    // runs it from .venv beside the tests; its shebang points at the real virtualenv's
    // python, so the one file is enough).
    ignorePatterns: ['.stryker-tmp', '.venv/**', '!.venv/bin/moto_server', 'cdk.out', 'cdk.out.*', 'dist', 'app/dist', 'docs/api', 'reports', 'test-results', 'coverage', '.tmp'],
  };
}
