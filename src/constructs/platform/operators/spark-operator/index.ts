/** The Kubeflow Spark Operator: runs the teams' SparkApplications in their namespaces. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned Spark Operator chart. */
export const SPARK_OPERATOR_DEFAULTS = {
  releaseName: 'spark-operator',
  chart: 'spark-operator',
  repo: 'https://kubeflow.github.io/spark-operator',
  version: '2.5.2',
  namespace: 'spark-operator',
  values: { webhook: { enable: true }, spark: { serviceAccount: { create: false }, rbac: { create: false } } },
  note: 'SparkApplication CRD v1beta2; driver ServiceAccounts and RBAC are created per team by modelplane.',
} as const satisfies HelmChartRef;

/** Installed by default; it watches exactly the team namespaces. */
export const SPARK_OPERATOR_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [{ defaultProps: SPARK_OPERATOR_DEFAULTS, computedValues: (ctx) => ({ spark: { jobNamespaces: ctx.teamNamespaces } }) }],
  crds: ['sparkapplications.sparkoperator.k8s.io', 'scheduledsparkapplications.sparkoperator.k8s.io'],
};
