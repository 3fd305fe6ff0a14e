export * from './business';
export * from './ecs-service';
export * from './lambda-function';
export * from './load-balancer';
export * from './shield';
export * from './sources';
