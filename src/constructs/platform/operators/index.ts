/**
 * The operators the platform relies on, one add-on per folder (cdk-eks-blueprints style: each with its
 * pinned `defaultProps`, spread-merged with the user's props): Spark Operator, Airflow, KServe (with its
 * CRD and serving-runtimes charts), Seldon Core, KEDA and kube-prometheus-stack. The Pulumi program installs them as Helm
 * releases; cdk8s-only users install them with the `helm` commands {@link helmInstallCommand} prints
 * (see the README).
 */
import type { ProvidedObject } from '../../../core/references';
import { AIRFLOW_ADD_ON, AIRFLOW_DEFAULTS } from './airflow';
import { ARGO_WORKFLOWS_ADD_ON, ARGO_WORKFLOWS_DEFAULTS } from './argo-workflows';
import { ENVOY_GATEWAY_ADD_ON, ENVOY_GATEWAY_DEFAULTS } from './envoy-gateway';
import {
  AddOnContext,
  addOnNamespaces,
  addOnProvidedObjects,
  HelmAddOn,
  HelmChartRef,
  OperatorOverrides,
  resolveAddOn,
  resolveChart,
} from './helm-addon';
import { KEDA_ADD_ON, KEDA_DEFAULTS } from './keda';
import { KSERVE_ADD_ON, KSERVE_CRD_DEFAULTS, KSERVE_DEFAULTS, KSERVE_RUNTIME_CONFIGS_DEFAULTS } from './kserve';
import { PROMETHEUS_ADD_ON, PROMETHEUS_DEFAULTS } from './prometheus';
import { SELDON_CORE_ADD_ON, SELDON_CORE_DEFAULTS } from './seldon-core';
import { SPARK_OPERATOR_ADD_ON, SPARK_OPERATOR_DEFAULTS } from './spark-operator';

export * from './helm-addon';
export * from './spark-operator';
export * from './airflow';
export * from './kserve';
export * from './seldon-core';
export * from './keda';
export * from './prometheus';
export * from './argo-workflows';
export * from './envoy-gateway';

/** Which operators to install, and how. Each merges over modelplane's pinned defaults. */
export interface PlatformOperators {
  /** Kubeflow Spark Operator. @default enabled */
  readonly sparkOperator?: OperatorOverrides;
  /** Apache Airflow (official chart). @default enabled */
  readonly airflow?: OperatorOverrides;
  /** KServe in Standard mode (with its CRD and serving-runtimes charts). @default enabled */
  readonly kserve?: OperatorOverrides;
  /** Seldon Core v1, pinned to 1.17.1 (the last Apache-2.0 release). @default disabled */
  readonly seldonCore?: OperatorOverrides;
  /** KEDA. @default enabled */
  readonly keda?: OperatorOverrides;
  /** kube-prometheus-stack. @default disabled (online models then emit no ServiceMonitor/PodMonitor) */
  readonly prometheus?: OperatorOverrides;
  /** Argo Workflows, for models and cascades with `orchestrator: argo` / `targets: [argo]`. @default disabled */
  readonly argoWorkflows?: OperatorOverrides;
  /**
   * Envoy Gateway (with the Gateway API CRDs) and the Gateway `<platform namespace>/modelplane`, for
   * deployment- and kserve-backend models that split traffic (variants, canary, shadow). @default disabled
   */
  readonly envoyGateway?: OperatorOverrides;
}

/** The name of an add-on, as a key of {@link PlatformOperators}. */
export type AddOnName = keyof PlatformOperators;

/** Every add-on the platform knows, in the order {@link PlatformOperators} lists them. */
export const ADD_ONS: Readonly<Record<AddOnName, HelmAddOn>> = {
  sparkOperator: SPARK_OPERATOR_ADD_ON,
  airflow: AIRFLOW_ADD_ON,
  kserve: KSERVE_ADD_ON,
  seldonCore: SELDON_CORE_ADD_ON,
  keda: KEDA_ADD_ON,
  prometheus: PROMETHEUS_ADD_ON,
  argoWorkflows: ARGO_WORKFLOWS_ADD_ON,
  envoyGateway: ENVOY_GATEWAY_ADD_ON,
};

/**
 * The order the platform installs its add-ons in: monitoring, the Gateway API and autoscaling first, then
 * the operators of the workloads, the orchestrators (which submit to the Spark Operator) last.
 */
export const INSTALL_ORDER: readonly AddOnName[] = [
  'prometheus',
  'envoyGateway',
  'keda',
  'sparkOperator',
  'kserve',
  'seldonCore',
  'argoWorkflows',
  'airflow',
];

/** Pinned defaults of every chart. Chart versions are the ones modelplane's output is tested against. */
export const OPERATOR_DEFAULTS = {
  sparkOperator: SPARK_OPERATOR_DEFAULTS,
  airflow: AIRFLOW_DEFAULTS,
  kserve: KSERVE_DEFAULTS,
  kserveCrd: KSERVE_CRD_DEFAULTS,
  kserveRuntimeConfigs: KSERVE_RUNTIME_CONFIGS_DEFAULTS,
  seldonCore: SELDON_CORE_DEFAULTS,
  keda: KEDA_DEFAULTS,
  prometheus: PROMETHEUS_DEFAULTS,
  argoWorkflows: ARGO_WORKFLOWS_DEFAULTS,
  envoyGateway: ENVOY_GATEWAY_DEFAULTS,
} as const satisfies Record<string, HelmChartRef>;

/** Names of the charts modelplane knows. */
export type OperatorName = keyof typeof OPERATOR_DEFAULTS;

/** Resolves a chart's reference from its defaults, computed values and user overrides. */
export function resolveOperator(
  name: OperatorName,
  computedValues: Readonly<Record<string, unknown>> = {},
  overrides: OperatorOverrides = {},
): HelmChartRef {
  return resolveChart(OPERATOR_DEFAULTS[name], computedValues, overrides);
}

/** True for the name of an add-on the platform installs. */
export function isAddOnName(key: string): key is AddOnName {
  return Object.keys(ADD_ONS).includes(key);
}

/** The chart references of every enabled add-on, in installation order. */
export function resolveOperators(operators: PlatformOperators, ctx: AddOnContext): HelmChartRef[] {
  return INSTALL_ORDER.flatMap((name) => resolveAddOn(ADD_ONS[name], operators[name], ctx));
}

/** The namespaces of every add-on's charts (enabled or not), with the user's namespace overrides. */
export function operatorNamespaces(operators: PlatformOperators): string[] {
  return (Object.keys(ADD_ONS) as AddOnName[]).flatMap((name) => addOnNamespaces(ADD_ONS[name], operators[name]));
}

/** The add-ons a platform installs with these settings (each one's `enabled`, else its default), in {@link ADD_ONS} order. */
export function installedAddOns(operators: PlatformOperators): AddOnName[] {
  return (Object.keys(ADD_ONS) as AddOnName[]).filter((name) => operators[name]?.enabled ?? ADD_ONS[name].enabledByDefault);
}

/** What the enabled add-ons make exist in the cluster (their CRDs and the objects they create), in installation order. */
export function operatorProvidedObjects(operators: PlatformOperators, ctx: AddOnContext): ProvidedObject[] {
  return INSTALL_ORDER.flatMap((name) => addOnProvidedObjects(ADD_ONS[name], resolveAddOn(ADD_ONS[name], operators[name], ctx), ctx));
}

/** The enabled add-ons by name with their resolved charts, in installation order. */
export function resolvedAddOns(operators: PlatformOperators, ctx: AddOnContext): { name: AddOnName; charts: HelmChartRef[] }[] {
  return INSTALL_ORDER.map((name) => ({ name, charts: resolveAddOn(ADD_ONS[name], operators[name], ctx) })).filter(
    (a) => a.charts.length > 0,
  );
}
