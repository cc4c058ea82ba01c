/** Apache Airflow (the official chart): runs the teams' generated DAGs. */
import { airflowDagValues } from '../../../batch/team-dags';
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned Airflow chart. */
export const AIRFLOW_DEFAULTS = {
  releaseName: 'airflow',
  chart: 'airflow',
  repo: 'https://airflow.apache.org',
  version: '1.22.0',
  namespace: 'airflow',
  // Airflow's namespace is created by the output with Pod Security "restricted": every pod of the chart complies.
  values: {
    securityContexts: {
      pod: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    },
  },
  note: 'Official Apache Airflow chart; default image Airflow 3.2.x; pods run under Pod Security "restricted".',
} as const satisfies HelmChartRef;

/** Installed by default; generated DAGs reach it through each team's DAG ConfigMap (see TeamDags). */
export const AIRFLOW_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [{ defaultProps: AIRFLOW_DEFAULTS, computedValues: (ctx) => airflowDagValues(ctx.teamNamespaces, ctx.platform) }],
  // The workers' ServiceAccount, which each team's `modelplane-airflow-runner` RoleBinding names.
  provides: (charts, ctx) => [{ kind: 'ServiceAccount', namespace: charts[0].namespace, name: ctx.platform.airflow.workerServiceAccount }],
};
