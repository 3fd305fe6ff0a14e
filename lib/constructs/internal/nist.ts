import { NagSuppressions } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * Records why an alarm has no action (NIST 800-53 rev 5 CloudWatchAlarmAction): its
 * `consumer` acts on it instead (a composite alarm that notifies, ECS rolling a deployment
 * back, Shield's health-based detection).
 */
export function acceptAlarmWithoutAction(alarm: IConstruct, consumer: string): void {
  NagSuppressions.addResourceSuppressions(alarm, [{ id: 'NIST.800.53.R5-CloudWatchAlarmAction', reason: `No action by design: ${consumer}.` }]);
}

/** Records that a deletion-protection finding is the stage's choice (a disposable stage), not an omission. */
export function acceptDisabledDeletionProtection(resource: IConstruct, rule: string): void {
  NagSuppressions.addResourceSuppressions(resource, [
    { id: rule, reason: 'Deletion protection is a stage setting: off only in disposable stages (dev), which are torn down and rebuilt from code; prod turns it on.' },
  ]);
}
