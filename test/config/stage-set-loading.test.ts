import { afterEach, describe, expect, it } from 'vitest';
import { ConfigValidationError, loadStageConfig, STAGES, type StageConfig } from '../../lib/config';

// STAGES is the shipped table; this test adds a stage to it for one case and removes it after.
const stages = STAGES as Record<string, StageConfig>;

describe('loading a stage', () => {
  afterEach(() => {
    delete stages['prod-copy'];
  });

  it('refuses every stage while two stages share an account, prefix and stage name, so neither can deploy over the other', () => {
    stages['prod-copy'] = structuredClone(STAGES.prod);
    expect(() => loadStageConfig('dev')).toThrow(ConfigValidationError);
    expect(() => loadStageConfig('dev')).toThrow(/stage "prod-copy" has the account, prefix and stage of "prod"/);
  });
});
