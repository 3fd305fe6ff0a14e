import { dev } from './stages/dev';
import { prod } from './stages/prod';
import type { StageConfig } from './stage-config';
import { ConfigValidationError, findStageSetProblems, validateStageConfig } from './validate';

export * from './stage-config';
export * from './validate';
export * from './names';
export * from './edge-rules';
export * from './quota-budget';
export * from './load-test';
export * from './privacy';

/** The stages shipped with the project. */
export const STAGES: Readonly<Record<string, StageConfig>> = { dev, prod };

/** Returns the validated config of `stage`, or throws naming the known stages. */
export function loadStageConfig(stage: string): StageConfig {
  const config = STAGES[stage];
  if (!config) throw new Error(`Unknown stage "${stage}" (-c stage=...): known stages are ${Object.keys(STAGES).join(', ')}`);
  const setProblems = findStageSetProblems(STAGES);
  if (setProblems.length > 0) throw new ConfigValidationError(stage, setProblems);
  return validateStageConfig(config);
}
