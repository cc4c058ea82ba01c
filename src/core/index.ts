/** The core: validation, errors, plain-data helpers, labels, security defaults, GPU placement, platform context. Imports no construct. */
export * from './errors';
export * from './words';
export * from './validate';
export * from './records';
export * from './labels';
export * from './security';
export * from './secrets';
export * from './gpu';
export * from './context';
export * from './network';
export * from './references';
export * from './synth-charts';
export * from './sso';
