/**
 * Bulwark: a hardened, autoscaling web service on AWS, as a CDK construct library.
 *
 * The package exports the constructs and their props (`Network`, `AuroraDatabase`,
 * `SnapshotReplication`, `WebService`, `EdgeProtection`, `Observability`, ...), each
 * usable on its own in another team's CDK app. The project's own stage configs and stacks
 * (lib/config, lib/stacks) compose them for this repository and are not part of the
 * package's API.
 * @packageDocumentation
 */
export * from './constructs';
