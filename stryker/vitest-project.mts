/**
 * One project of the repository's vitest config, standing alone, for a Stryker run: each
 * mutation group runs only its own folder's tests (the project's include, timeouts and the
 * shared global setup), so a mutant in lambda/ never waits on a stack synthesis.
 */
import { configDefaults, defineConfig } from 'vitest/config';
import repository from '../vitest.config.mts';

export function projectOnly(name: string, narrow: { include?: string[]; exclude?: string[] } = {}) {
  const project = repository.test?.projects?.find((candidate) => typeof candidate === 'object' && 'test' in candidate && candidate.test?.name === name);
  if (!project || typeof project !== 'object' || !('test' in project)) throw new Error(`vitest.config.mts has no project named ${name}`);
  const include = narrow.include ?? project.test?.include;
  const exclude = [...(project.test?.exclude ?? configDefaults.exclude), ...(narrow.exclude ?? [])];
  return defineConfig({ test: { ...project.test, include, exclude, globalSetup: repository.test?.globalSetup } });
}
