/**
 * The Pulumi bridge: deploys a modelplane App with `@pulumi/kubernetes`. Operators become Helm
 * releases; every chart becomes one `yaml/v2` ConfigGroup over `chart.toJson()` (no YAML round
 * trip). Order: operators → platform → teams → models, each tier depending on the one before.
 * {@link ModelplaneDeployment} (./component.ts) wraps it as one component resource.
 */
import * as pulumi from '@pulumi/pulumi';
import * as kubernetes from '@pulumi/kubernetes';
import { App } from 'cdk8s';
import { DeploymentPlan, PlannedGroup, planDeployment } from './plan';
import type { HelmChartRef } from '../../constructs/platform/operators';

/** Creates resources that must exist before a group's objects; gets what they must depend on (the group's Namespaces). */
export type BeforeObjects = (dependsOn: pulumi.Resource[]) => pulumi.Resource[];

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
  readonly beforeObjects?: Readonly<Record<string, BeforeObjects>>;
  /**
   * The component every release and ConfigGroup belongs to. The resources then also carry an alias
   * without a parent, so stacks deployed before the component existed keep them instead of
   * replacing them. @default - none (the stack)
   */
  readonly parent?: pulumi.Resource;
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
  return deployPlan(planDeployment(app, (opts.installOperators ?? true) ? operators : []), opts);
}

/** Deploys a plan made by {@link planDeployment}: the releases in order, then the groups tier by tier. */
export function deployPlan(plan: DeploymentPlan, opts: DeployOptions = {}): DeployedApp {
  const base = resourceOptions(opts);
  const { releases, last } = deployReleases(plan.releases, base, opts);
  const groups = deployGroups(plan.groups, last, base, opts);
  // A team's hub runs as its team's ServiceAccount and Role: after the team's objects.
  for (const ref of plan.teamReleases ?? []) {
    const team = groups[`team-${ref.namespace}`];
    releases[ref.releaseName] = helmRelease(ref, { ...base, dependsOn: team ? [team] : last }, opts);
  }
  return { plan, releases, groups };
}

/** The options every resource gets: the provider, and the parent with its alias. */
function resourceOptions(opts: DeployOptions): pulumi.CustomResourceOptions {
  return {
    ...(opts.provider ? { provider: opts.provider } : {}),
    ...(opts.parent ? { parent: opts.parent, aliases: [{ parent: pulumi.rootStackResource }] } : {}),
  };
}

/** The Helm releases, each after the one before; returns them and what the groups must wait for. */
function deployReleases(
  refs: readonly HelmChartRef[],
  base: pulumi.CustomResourceOptions,
  opts: DeployOptions,
): { releases: Record<string, kubernetes.helm.v3.Release>; last: pulumi.Resource[] } {
  const releases: Record<string, kubernetes.helm.v3.Release> = {};
  let previous: pulumi.Resource[] = [...(opts.dependsOn ?? [])];
  for (const ref of refs) {
    const release = helmRelease(ref, { ...base, dependsOn: previous }, opts);
    releases[ref.releaseName] = release;
    previous = [release];
  }
  return { releases, last: previous };
}

/** One pinned Helm release. */
function helmRelease(ref: HelmChartRef, options: pulumi.CustomResourceOptions, opts: DeployOptions): kubernetes.helm.v3.Release {
  return new kubernetes.helm.v3.Release(
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
    options,
  );
}

/** The ConfigGroups: each tier's groups depend on every group of the tier before (the first tier on `first`). */
function deployGroups(
  planned: readonly PlannedGroup[],
  first: pulumi.Resource[],
  base: pulumi.CustomResourceOptions,
  opts: DeployOptions,
): Record<string, kubernetes.yaml.v2.ConfigGroup> {
  const groups: Record<string, kubernetes.yaml.v2.ConfigGroup> = {};
  const configGroup = (name: string, objs: readonly Record<string, unknown>[], dependsOn: pulumi.Resource[]) => {
    const group = new kubernetes.yaml.v2.ConfigGroup(
      name,
      { objs: objs as pulumi.Input<unknown>[] as never, skipAwait: opts.skipAwait ?? false },
      { ...base, dependsOn },
    );
    groups[name] = group;
    return group;
  };
  let tierDeps = first;
  let currentTier: string | undefined;
  let currentTierResources: pulumi.Resource[] = [];
  for (const g of planned) {
    if (g.tier !== currentTier) {
      if (currentTier !== undefined) tierDeps = currentTierResources;
      currentTier = g.tier;
      currentTierResources = [];
    }
    const before = opts.beforeObjects?.[g.name];
    const namespaces = before ? g.objs.filter((o) => o.kind === 'Namespace') : [];
    let deps = tierDeps;
    if (namespaces.length > 0) {
      const nsGroup = configGroup(`${g.name}-namespaces`, namespaces, tierDeps);
      currentTierResources.push(nsGroup);
      deps = [nsGroup];
    }
    if (before) deps = [...deps, ...before(deps)];
    const objs = namespaces.length > 0 ? g.objs.filter((o) => o.kind !== 'Namespace') : g.objs;
    currentTierResources.push(configGroup(g.name, objs, deps));
  }
  return groups;
}
