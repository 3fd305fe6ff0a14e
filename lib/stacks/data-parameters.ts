import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { stageParameterName, type Naming } from '../config';

/**
 * The Data stack's values that other stacks read and that a restore from a snapshot
 * changes (the cluster and its secret are rebuilt). They travel as SSM parameters, not
 * CloudFormation exports: an export another stack imports can never change its value
 * ("Export ... cannot be updated as it is in use"), so a restore would be refused. The
 * reading stacks resolve the parameters on each of their own deployments, which follow
 * Data's in the stage's order.
 */
export const DATA_PARAMETERS = {
  /** ARN of the master (schema owner) secret: only the migration task gets its fields. */
  databaseSecretArn: 'data/secret-arn',
  /** ARN of the runtime role's secret (DML only; the service tasks get this one, see DataStack.runtimeSecret). */
  runtimeSecretArn: 'data/runtime-secret-arn',
  /** Identifier of the Aurora cluster (the DBClusterIdentifier of its metrics). */
  clusterIdentifier: 'data/cluster-identifier',
} as const;
export type DataParameter = keyof typeof DATA_PARAMETERS;

/** Writes the Data stack's values into their parameters. */
export function publishDataParameters(scope: Construct, config: Naming, values: Record<DataParameter, string>): void {
  for (const [key, value] of Object.entries(values) as Array<[DataParameter, string]>) {
    new ssm.StringParameter(scope, `${key[0].toUpperCase()}${key.slice(1)}Parameter`, {
      parameterName: stageParameterName(config, DATA_PARAMETERS[key]),
      stringValue: value,
      description: `Bulwark ${config.stage}: read by the Service and Monitoring stacks at deployment (changes on a restore)`,
    });
  }
}

/** A Data stack value, resolved by CloudFormation when the reading stack deploys. */
export function readDataParameter(scope: Construct, config: Naming, key: DataParameter): string {
  return ssm.StringParameter.valueForStringParameter(scope, stageParameterName(config, DATA_PARAMETERS[key]));
}
