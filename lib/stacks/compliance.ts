import type { Stack } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';

/**
 * NIST 800-53 rev 5 findings that hold for every stack of a stage by how it is built, with
 * the reason each is accepted (the same decisions .checkov.yaml records for checkov).
 * Findings about one resource are accepted next to the code that makes it instead.
 */
const STAGE_WIDE_NIST_DECISIONS = [
  {
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason:
      "CDK's grant methods write each role's permissions into one AWS::IAM::Policy attached to that role only (and CloudFormation inline policies for the roles CDK builds inside constructs): the statements are generated from the resources they name and change with them, which a shared customer-managed policy could not. Every call they allow is proven, with a denied twin, in test/access.",
  },
  {
    id: 'NIST.800.53.R5-LambdaDLQ',
    reason:
      'Every function is either a CDK custom-resource handler (CloudFormation invokes it synchronously and reports its failure) or an idempotent reconciler (snapshot copier, IP-set sync) whose next scheduled run redoes the work and whose failures raise Lambda Errors alarms; a dead-letter queue would hold events nothing replays.',
  },
  {
    id: 'NIST.800.53.R5-LambdaInsideVPC',
    reason: 'The functions call only AWS public APIs and accept no inbound traffic; a VPC attachment would add a NAT dependency and cold-start cost without reducing exposure.',
  },
  {
    id: 'NIST.800.53.R5-LambdaConcurrency',
    reason:
      "A fresh account's concurrency quota is 10 and AWS refuses a reservation that leaves less than that unreserved, so stages reserve none by default (config lambdaReservedConcurrency, checked by the quota budget); the functions tolerate overlapping runs.",
  },
];

export function acceptStageWideNistFindings(stack: Stack): void {
  NagSuppressions.addStackSuppressions(stack, STAGE_WIDE_NIST_DECISIONS);
}
