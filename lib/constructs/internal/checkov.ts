import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A checkov check that does not apply to one resource, and why. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/**
 * Records in the resource's CloudFormation metadata that checkov should skip `checks`
 * for it, each with its reason, so the exception sits next to the code it excuses and
 * travels with the template.
 */
export function skipCheckov(construct: IConstruct, checks: CheckovSkip[]): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (!resource || !CfnResource.isCfnResource(resource)) {
    throw new Error(`skipCheckov: ${construct.node.path} has no CloudFormation resource`);
  }
  const existing = (resource.getMetadata('checkov') as { skip?: CheckovSkip[] } | undefined)?.skip ?? [];
  resource.addMetadata('checkov', { skip: [...existing, ...checks] });
}
