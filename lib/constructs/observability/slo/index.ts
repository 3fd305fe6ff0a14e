export * from './burn-rate';
export * from './slo-alarms';
