import { Aspects } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { NIST80053R5Checks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../lib/config';
import { createStage } from '../../lib/stacks/stage';
import { testApp } from '../support/app';

/** The NIST 800-53 rev 5 pack over every stack of a shipped stage, as bin/ applies it. */
function nistFindings(stage: string): string[] {
  const app = testApp({ stage });
  const stacks = Object.values(createStage(app, loadStageConfig(stage))).filter((stack) => stack !== undefined);
  Aspects.of(app).add(new NIST80053R5Checks({ verbose: true }));
  const pattern = Match.stringLikeRegexp('NIST\\.800\\.53\\.R5');
  return stacks.flatMap((stack) => {
    const annotations = Annotations.fromStack(stack);
    return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map((finding) => `${finding.id}: ${String(finding.entry.data).slice(0, 160)}`);
  });
}

describe.each(['prod', 'dev'])('NIST 800-53 rev 5 over the %s stage', (stage) => {
  it('leaves no finding unexplained', () => {
    expect(nistFindings(stage)).toEqual([]);
  }, 300_000);
});
