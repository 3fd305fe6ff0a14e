/**
 * Bulwark: a hardened, autoscaling web service on AWS, as a CDK construct library.
 *
 * Use the constructs on their own (`Network`, `AuroraDatabase`, `SnapshotReplication`,
 * `WebService`, `EdgeProtection`, ...) or the whole stage (`createStage`) from a typed,
 * validated `StageConfig`.
 * @packageDocumentation
 */
export * from './config';
export * from './constructs';
export * from './stacks';
