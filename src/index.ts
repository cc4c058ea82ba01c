/**
 * modelplane: an ML platform on Kubernetes defined as code. The one package entry: the core, every
 * construct, and the `modelplane.yaml` front end. (The Pulumi bridge is in src/frontends/pulumi.)
 */
export * from './core';
export * from './constructs';
export * from './frontends/config';
export { planDeployment, tierOf } from './frontends/pulumi/plan';
export type { DeploymentPlan, PlannedGroup } from './frontends/pulumi/plan';
// The cdk8s classes a model repository needs, from the same copy modelplane's constructs use.
export { App, Chart, Testing } from 'cdk8s';
