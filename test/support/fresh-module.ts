/**
 * Loads a module anew before each test of the calling file, so its module-level code (the
 * patterns, tables and header maps a module builds when it loads) runs inside that test.
 *
 * Why: Stryker records which tests execute each mutant, but code that runs only when a
 * module first loads runs outside every test. It calls such a mutant "static" and can only
 * test it by re-running the group's whole suite per mutant (minutes each), so the app and
 * lib groups ignore those (ignoreStatic). Evaluated inside a test, a table's mutants are
 * traced to the tests that pin it, run with those tests, and scored like any other.
 *
 * Returns the module the current test loaded; call it inside a test or a hook, not at
 * collection time. Modules loaded together come from one graph (shared classes, one
 * instanceof), so load a module and the ones it is used with in one `load`.
 */
import { beforeEach, vi } from 'vitest';

export function freshModuleEachTest<T>(load: () => Promise<T>): () => T {
  let current: T | undefined;
  beforeEach(async () => {
    vi.resetModules();
    current = await load();
  });
  return () => {
    if (current === undefined) throw new Error('freshModuleEachTest: the module is loaded before each test; read it inside a test or hook');
    return current;
  };
}
