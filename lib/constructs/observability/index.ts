export * from './alarm-topic';
export * from './alarms';
export * from './dashboard';
export * from './defaults';
export * from './metrics';
export * from './runbook';
export * from './slo';
