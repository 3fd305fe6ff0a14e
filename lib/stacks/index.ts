// Thin stacks that compose the constructs from a stage config.
export * from './backup-region-stack';
export * from './network-stack';
export * from './data-stack';
export * from './service-stack';
export * from './monitoring-stack';
export * from './ci-deploy-stack';
export * from './load-test-stack';
export * from './stage';
