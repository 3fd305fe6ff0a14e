import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLES_DIRECTORY, type LambdaName } from '../../../lambda/bundles';
import { createLogsEncryptionKey } from './logs-encryption-key';

/** The nearest folder above `from` with a package.json: the repository, or the installed package. */
function packageRoot(from: string): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${from}`);
  }
}

/**
 * The prebuilt bundle of `lambda/<name>` (dist/lambda-bundles/<name>/index.js), from the
 * repository or from the installed package alike.
 */
export function lambdaBundle(name: LambdaName): lambda.Code {
  const directory = path.join(packageRoot(__dirname), BUNDLES_DIRECTORY, name);
  if (!existsSync(path.join(directory, 'index.js'))) {
    throw new Error(`The ${name} Lambda bundle is missing at ${directory}: run "npm run build:lambdas" (part of build:lib) first`);
  }
  return lambda.Code.fromAsset(directory);
}

/** Props of {@link BundledFunction}: what differs between the project's Lambdas. */
export interface BundledFunctionProps {
  /** The function's prebuilt bundle (exporting `handler` from index.js), from {@link lambdaBundle}. */
  readonly code: lambda.Code;
  /**
   * The bundle's export to invoke, as `index.<export>`.
   * @default 'index.handler'
   */
  readonly handler?: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  readonly environment: Record<string, string>;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Key encrypting the function's log group.
   * @default - a new rotating key for this function's logs
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Concurrent executions reserved. None by default: a fresh account's concurrency quota is
   * 10, and AWS refuses a reservation that leaves fewer than 10 unreserved (the stage's
   * quota budget checks the sum).
   * @default - no reservation
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Times Lambda retries a failed asynchronous invocation (0..2).
   * @default 2
   */
  readonly retryAttempts?: number;
}

/**
 * A Node.js Lambda as every function of this project wants it: the current Node.js
 * runtime on ARM64, deployed from the bundle built with the library (no esbuild or Docker
 * at synthesis), its own log group with retention, X-Ray tracing, and a role that holds
 * only what the caller grants plus permission to write its own log group (no AWS managed
 * policies).
 */
export class BundledFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: BundledFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      encryptionKey: props.logEncryptionKey ?? createLogsEncryptionKey(this, 'LogKey', `Encrypts the logs of: ${props.description}`, RemovalPolicy.DESTROY),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn, `${this.logGroup.logGroupArn}:log-stream:*`],
      }),
    );
    this.function = new lambda.Function(this, 'Function', {
      code: props.code,
      handler: props.handler ?? 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    });
  }
}
