/**
 * `modelplane.yaml` for data scientists: load a file (with file:line:col errors), build it into the
 * same constructs as the TypeScript API, and synthesize it.
 */
export * from './errors';
export * from './source';
export * from './types';
export * from './load';
export * from './mapping';
export * from './mapping-tables';
export * from './map';
export * from './build';
export * from './synth';
export * from './graph';
export * from './platform-load';
export * from './platform-build';
