/**
 * The operators the platform relies on, as typed Helm chart references with pinned versions
 * (cdk-eks-blueprints style: `defaultProps` spread-merged with the user's props). The Pulumi program
 * installs them as Helm releases; cdk8s-only users install them with the `helm` commands that
 * {@link helmInstallCommand} prints (see the README).
 */
import { deepMerge } from '../../core/records';

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
  /** Install this operator. */
  readonly enabled?: boolean;
  /** Chart version. @default - the pinned default */
  readonly version?: string;
  /** Extra values, deep-merged over the defaults. @default {} */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Namespace. @default - the operator's default namespace */
  readonly namespace?: string;
}

/** Pinned defaults. Chart versions are the ones modelplane's output is tested against. */
export const OPERATOR_DEFAULTS = {
  sparkOperator: {
    releaseName: 'spark-operator',
    chart: 'spark-operator',
    repo: 'https://kubeflow.github.io/spark-operator',
    version: '2.5.2',
    namespace: 'spark-operator',
    values: { webhook: { enable: true }, spark: { serviceAccount: { create: false }, rbac: { create: false } } },
    note: 'SparkApplication CRD v1beta2; driver ServiceAccounts and RBAC are created per team by modelplane.',
  },
  airflow: {
    releaseName: 'airflow',
    chart: 'airflow',
    repo: 'https://airflow.apache.org',
    version: '1.22.0',
    namespace: 'airflow',
    values: {},
    note: 'Official Apache Airflow chart; default image Airflow 3.2.x.',
  },
  kserve: {
    releaseName: 'kserve',
    chart: 'oci://ghcr.io/kserve/charts/kserve-resources',
    repo: '',
    version: 'v0.20.0',
    namespace: 'kserve',
    values: { kserve: { controller: { deploymentMode: 'Standard' } } },
    note: 'Standard (raw Deployment) mode: no Knative or Istio needed.',
  },
  kserveCrd: {
    releaseName: 'kserve-crd',
    chart: 'oci://ghcr.io/kserve/charts/kserve-crd',
    repo: '',
    version: 'v0.20.0',
    namespace: 'kserve',
    values: {},
  },
  seldonCore: {
    releaseName: 'seldon-core',
    chart: 'seldon-core-operator',
    repo: 'https://storage.googleapis.com/seldon-charts',
    version: '1.17.1',
    namespace: 'seldon-system',
    values: { usageMetrics: { enabled: false } },
    note: 'Pinned to 1.17.1, the last Apache-2.0 release of Seldon Core v1; 1.18+ is under the Business Source License.',
  },
  keda: {
    releaseName: 'keda',
    chart: 'keda',
    repo: 'https://kedacore.github.io/charts',
    version: '2.20.2',
    namespace: 'keda',
    values: {},
  },
  prometheus: {
    releaseName: 'kube-prometheus-stack',
    chart: 'kube-prometheus-stack',
    repo: 'https://prometheus-community.github.io/helm-charts',
    version: '79.1.0',
    namespace: 'monitoring',
    values: {
      prometheus: { prometheusSpec: { serviceMonitorSelectorNilUsesHelmValues: false, podMonitorSelectorNilUsesHelmValues: false } },
    },
  },
} as const satisfies Record<string, HelmChartRef>;

/** Names of the operators modelplane knows. */
export type OperatorName = keyof typeof OPERATOR_DEFAULTS;

/** Resolves an operator's chart reference from the defaults, computed values and user overrides. */
export function resolveOperator(
  name: OperatorName,
  computedValues: Readonly<Record<string, unknown>> = {},
  overrides: OperatorOverrides = {},
): HelmChartRef {
  const d: HelmChartRef = OPERATOR_DEFAULTS[name];
  return {
    ...d,
    version: overrides.version ?? d.version,
    namespace: overrides.namespace ?? d.namespace,
    values: deepMerge(deepMerge(d.values, computedValues), overrides.values ?? {}),
  };
}

/** The `helm upgrade --install` command for a chart reference (values passed as a file). */
export function helmInstallCommand(ref: HelmChartRef, valuesFile: string): string {
  const chart = ref.repo ? `--repo ${ref.repo} ${ref.chart}` : ref.chart;
  return `helm upgrade --install ${ref.releaseName} ${chart} --version ${ref.version} --namespace ${ref.namespace} --create-namespace -f ${valuesFile}`;
}
