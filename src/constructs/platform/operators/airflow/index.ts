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
  values: {},
  note: 'Official Apache Airflow chart; default image Airflow 3.2.x.',
} as const satisfies HelmChartRef;

/** Installed by default; generated DAGs reach it through each team's DAG ConfigMap (see TeamDags). */
export const AIRFLOW_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [{ defaultProps: AIRFLOW_DEFAULTS, computedValues: (ctx) => airflowDagValues(ctx.teamNamespaces, ctx.platform) }],
};
