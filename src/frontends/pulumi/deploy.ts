/**
 * The Pulumi bridge: deploys a modelplane App with `@pulumi/kubernetes`. Operators become Helm
 * releases; every chart becomes one `yaml/v2` ConfigGroup over `chart.toJson()` (no YAML round
 * trip). Order: operators → platform → teams → models, each tier depending on the one before.
 */
import * as pulumi from '@pulumi/pulumi';
import * as kubernetes from '@pulumi/kubernetes';
import { App } from 'cdk8s';
import { DeploymentPlan, planDeployment } from './plan';
import type { HelmChartRef } from '../../constructs/platform/operators';

/** Options of {@link deployApp}. */
export interface DeployOptions {
  /** The Kubernetes provider. @default - the ambient kubeconfig */
  readonly provider?: kubernetes.Provider;
  /** Install the operators as Helm releases. @default true */
  readonly installOperators?: boolean;
  /**
   * Do not wait for workloads to become ready (for clusters without nodes or controllers, e.g. CI's
   * API server). @default false
   */
  readonly skipAwait?: boolean;
  /** Resources everything else must wait for. @default [] */
  readonly dependsOn?: pulumi.Resource[];
  /**
   * Resources to create between a group's Namespaces and its other objects, by group (chart) name:
   * e.g. Secrets from stack configuration that the group's pods read. The function gets what the
   * resources must depend on (the group's Namespaces) and returns them; the group's other objects
   * then wait for them. A group named here is deployed as two ConfigGroups, `<name>-namespaces`
   * and `<name>`, because a Deployment that waits for readiness would otherwise wait for a Secret
   * that is only created after it. @default {}
   */
  readonly beforeObjects?: Readonly<Record<string, (dependsOn: pulumi.Resource[]) => pulumi.Resource[]>>;
}

/** What {@link deployApp} created. */
export interface DeployedApp {
  /** The plan it deployed. */
  readonly plan: DeploymentPlan;
  /** Helm releases by release name. */
  readonly releases: Record<string, kubernetes.helm.v3.Release>;
  /** ConfigGroups by chart id. */
  readonly groups: Record<string, kubernetes.yaml.v2.ConfigGroup>;
}

/** Deploys an App (and optional operator releases) with Pulumi. */
export function deployApp(app: App, operators: readonly HelmChartRef[], opts: DeployOptions = {}): DeployedApp {
  const plan = planDeployment(app, (opts.installOperators ?? true) ? operators : []);
  const base: pulumi.CustomResourceOptions = opts.provider ? { provider: opts.provider } : {};
  const releases: Record<string, kubernetes.helm.v3.Release> = {};
  let previous: pulumi.Resource[] = [...(opts.dependsOn ?? [])];
  for (const ref of plan.releases) {
    const release = new kubernetes.helm.v3.Release(
      ref.releaseName,
      {
        name: ref.releaseName,
        chart: ref.chart,
        version: ref.version,
        namespace: ref.namespace,
        createNamespace: true,
        ...(ref.repo ? { repositoryOpts: { repo: ref.repo } } : {}),
        values: ref.values as Record<string, pulumi.Input<unknown>>,
        atomic: true,
        skipAwait: opts.skipAwait ?? false,
      },
      { ...base, dependsOn: previous },
    );
    releases[ref.releaseName] = release;
    previous = [release];
  }
  const groups: Record<string, kubernetes.yaml.v2.ConfigGroup> = {};
  let tierDeps: pulumi.Resource[] = previous;
  let currentTier: string | undefined;
  let currentTierResources: pulumi.Resource[] = [];
  for (const g of plan.groups) {
    if (g.tier !== currentTier) {
      if (currentTier !== undefined) tierDeps = currentTierResources;
      currentTier = g.tier;
      currentTierResources = [];
    }
    let objs = g.objs;
    let deps = tierDeps;
    const before = opts.beforeObjects?.[g.name];
    if (before) {
      const namespaces = g.objs.filter((o) => o.kind === 'Namespace');
      if (namespaces.length > 0) {
        const nsGroup = new kubernetes.yaml.v2.ConfigGroup(
          `${g.name}-namespaces`,
          {
            objs: namespaces as pulumi.Input<unknown>[] as never,
            skipAwait: opts.skipAwait ?? false,
          },
          { ...base, dependsOn: tierDeps },
        );
        groups[`${g.name}-namespaces`] = nsGroup;
        currentTierResources.push(nsGroup);
        objs = g.objs.filter((o) => o.kind !== 'Namespace');
        deps = [nsGroup];
      }
      deps = [...deps, ...before(deps)];
    }
    const group = new kubernetes.yaml.v2.ConfigGroup(
      g.name,
      {
        objs: objs as pulumi.Input<unknown>[] as never,
        skipAwait: opts.skipAwait ?? false,
      },
      { ...base, dependsOn: deps },
    );
    groups[g.name] = group;
    currentTierResources.push(group);
  }
  return { plan, releases, groups };
}
