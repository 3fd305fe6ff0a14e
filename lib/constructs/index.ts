// The construct library: each construct stands alone in another team's CDK app.
export * from './network';
export * from './aurora-capacity';
export * from './aurora-cluster-metrics';
export * from './aurora-database';
export * from './backup-copy-target';
export * from './snapshot-replication';
export * from './web-service';
export * from './database-migration';
export * from './edge-protection';
export * from './sync-after-deployment';
export * from './waf-capacity';
export * from './shield-protection';
export * from './ci-deploy';
export * from './observability';
export * from './tracing-sidecar';
export * from './real-user-monitoring';
