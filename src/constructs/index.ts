/** Every construct, by feature. */
export * from './tiered-chart';
export * from './team-models';
export * from './dataset';
export * from './model-serving';
export * from './team-space';
export * from './workspace';
export * from './team-object-store';
export * from './gpu-node-pool';
export * from './mlflow';
export * from './online';
export * from './batch';
export * from './platform';
export * from './sso';
