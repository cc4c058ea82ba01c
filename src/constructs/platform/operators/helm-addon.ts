/**
 * The base every operator add-on shares, in the style of cdk-eks-blueprints' `HelmAddOn`: each add-on
 * declares its pinned chart references (`defaultProps`), whether the platform installs it unless told
 * otherwise, and the values it computes from the platform; {@link resolveAddOn} merges the user's
 * overrides over them. Pure data: the Pulumi program installs the resulting Helm releases, and cdk8s-only
 * users run the commands {@link helmInstallCommand} prints.
 */
import type { PlatformContext } from '../../../core/context';
import type { ProvidedObject } from '../../../core/references';
import { deepMerge } from '../../../core/records';

/** A pinned Helm chart and the values to install it with. */
export interface HelmChartRef {
  /** Release name. */
  readonly releaseName: string;
  /** Chart name, or an `oci://` reference. */
  readonly chart: string;
  /** Chart repository URL. Empty for `oci://` charts. */
  readonly repo: string;
  /** Exact chart version (never a range). */
  readonly version: string;
  /** Namespace the release is installed in. */
  readonly namespace: string;
  /** Helm values. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Why the chart is pinned where it is, for reviewers. */
  readonly note?: string;
}

/** User overrides of an operator: version and values are merged over the defaults. */
export interface OperatorOverrides {
  /** Install this operator. @default - the add-on's own default (see {@link HelmAddOn.enabledByDefault}) */
  readonly enabled?: boolean;
  /** Chart version. @default - the pinned default */
  readonly version?: string;
  /** Extra values, deep-merged over the defaults. @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Namespace. @default - the operator's default namespace */
  readonly namespace?: string;
}

/** What an add-on computes its values from: the platform's team namespaces (sorted) and its context. */
export interface AddOnContext {
  /** The team namespaces, sorted. */
  readonly teamNamespaces: readonly string[];
  /** The platform's context. */
  readonly platform: PlatformContext;
}

/** One Helm chart of an add-on. */
export interface AddOnChart {
  /** The pinned chart reference: release, chart, repository, exact version, namespace, default values. */
  readonly defaultProps: HelmChartRef;
  /** Values computed from the platform: over the default values, under the user's. @default - none */
  readonly computedValues?: (ctx: AddOnContext) => Record<string, unknown>;
  /** The part of the user's overrides this chart takes. @default - all of them */
  readonly overrides?: (given: OperatorOverrides) => OperatorOverrides;
}

/** An operator the platform can install: its charts in installation order. */
export interface HelmAddOn {
  /** Installed unless the user sets `enabled: false` (or, when false, only with `enabled: true`). */
  readonly enabledByDefault: boolean;
  /** The charts, in installation order (e.g. CRDs first). */
  readonly charts: readonly AddOnChart[];
  /** The CRDs its charts install (by name, e.g. `sparkapplications.sparkoperator.k8s.io`), which the output's custom objects need. @default [] */
  readonly crds?: readonly string[];
  /**
   * The objects its charts create that the output refers to (e.g. the ServiceAccount Airflow's workers
   * run as), given the charts as resolved. @default - none
   */
  readonly provides?: (charts: readonly HelmChartRef[], ctx: AddOnContext) => readonly Omit<ProvidedObject, 'providedBy'>[];
  /** The release that messages say provides the add-on's CRDs and objects. @default - the last chart's release */
  readonly providedByRelease?: string;
}

/** What an enabled add-on makes exist in the cluster: its CRDs and the objects it {@link HelmAddOn.provides}, each naming the release. */
export function addOnProvidedObjects(addOn: HelmAddOn, charts: readonly HelmChartRef[], ctx: AddOnContext): ProvidedObject[] {
  if (charts.length === 0) return [];
  const chart = charts.find((c) => c.releaseName === addOn.providedByRelease) ?? charts[charts.length - 1];
  const by = `the Helm release ${chart.releaseName} (chart ${chart.chart} ${chart.version})`;
  return [
    ...(addOn.crds ?? []).map((name) => ({ kind: 'CustomResourceDefinition', name, providedBy: by })),
    ...(addOn.provides?.(charts, ctx) ?? []).map((o) => ({ ...o, providedBy: by })),
  ];
}

/** A chart reference: the defaults, the computed values over them, the user's version, namespace and values over both. */
export function resolveChart(
  defaults: HelmChartRef,
  computedValues: Readonly<Record<string, unknown>> = {},
  overrides: OperatorOverrides = {},
): HelmChartRef {
  return {
    ...defaults,
    version: overrides.version ?? defaults.version,
    namespace: overrides.namespace ?? defaults.namespace,
    values: deepMerge(deepMerge(defaults.values, computedValues), overrides.values ?? {}),
  };
}

/** The chart references an add-on installs with the user's overrides; none when it is disabled. */
export function resolveAddOn(addOn: HelmAddOn, given: OperatorOverrides = {}, ctx: AddOnContext): HelmChartRef[] {
  if (!(given.enabled ?? addOn.enabledByDefault)) return [];
  return addOn.charts.map((c) => resolveChart(c.defaultProps, c.computedValues?.(ctx) ?? {}, c.overrides ? c.overrides(given) : given));
}

/** The namespaces an add-on's charts would be installed in with the user's namespace override. */
export function addOnNamespaces(addOn: HelmAddOn, given: OperatorOverrides = {}): string[] {
  return addOn.charts.map((c) => given.namespace ?? c.defaultProps.namespace);
}

/** The `helm upgrade --install` command for a chart reference (values passed as a file). */
export function helmInstallCommand(ref: HelmChartRef, valuesFile: string): string {
  const chart = ref.repo ? `--repo ${ref.repo} ${ref.chart}` : ref.chart;
  return `helm upgrade --install ${ref.releaseName} ${chart} --version ${ref.version} --namespace ${ref.namespace} --create-namespace -f ${valuesFile}`;
}

/** What {@link helmInstallScript} prints for one release: its values file and its command. */
export interface HelmInstallStep {
  /** The release. */
  readonly ref: HelmChartRef;
  /** Where the script writes its values, e.g. `modelplane-values/airflow.yaml`. */
  readonly valuesFile: string;
}

/**
 * The shell script that installs `refs` in order: `helm repo add` for each chart repository (once, in
 * order of first use; `oci://` charts need none), then per release its values written to a file
 * (`render` turns values into YAML) and `helm upgrade --install` at the pinned `--version`, with
 * `--wait` so that each operator's CRDs and webhooks serve before the next release and the output.
 */
export function helmInstallScript(
  refs: readonly HelmChartRef[],
  render: (values: Readonly<Record<string, unknown>>) => string,
  dir = 'modelplane-values',
): string {
  const lines: string[] = ['set -euo pipefail', `mkdir -p ${dir}`];
  const aliases = new Map<string, string>();
  for (const r of refs) if (r.repo && !aliases.has(r.repo)) aliases.set(r.repo, r.releaseName);
  for (const [repo, alias] of aliases) lines.push(`helm repo add ${alias} ${repo} --force-update`);
  if (aliases.size > 0) lines.push('helm repo update');
  for (const r of refs) {
    const file = `${dir}/${r.releaseName}.yaml`;
    const chart = r.repo ? `${aliases.get(r.repo)}/${r.chart}` : r.chart;
    const body = render(r.values).trimEnd();
    lines.push('', `# ${r.releaseName}: ${r.chart} ${r.version}${r.note ? ` (${r.note})` : ''}`);
    lines.push(`cat > ${file} <<'MODELPLANE_VALUES'`, body === '{}' ? '{}' : body, 'MODELPLANE_VALUES');
    lines.push(
      `helm upgrade --install ${r.releaseName} ${chart} --version ${r.version} --namespace ${r.namespace} --create-namespace --wait -f ${file}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
