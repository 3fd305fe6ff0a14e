import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Aspects, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { expect } from 'vitest';

/** Adds the cdk-nag AwsSolutions pack to `stack` (call before the first Template.fromStack). */
export function applyNag(stack: Stack): void {
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
}

/** Every unsuppressed AwsSolutions error or warning on `stack`, as "path: message" lines. */
export function nagFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const pattern = Match.stringLikeRegexp('AwsSolutions-');
  return [...annotations.findError('*', pattern), ...annotations.findWarning('*', pattern)].map(
    (finding) => `${finding.id}: ${String(finding.entry.data)}`,
  );
}

/** Fails the test with the list of findings when cdk-nag reports anything unsuppressed. */
export function expectNoNagFindings(stack: Stack): void {
  expect(nagFindings(stack)).toEqual([]);
}
