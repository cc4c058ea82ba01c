/** Seldon Core v1, pinned to its last Apache-2.0 release. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned Seldon Core operator chart. */
export const SELDON_CORE_DEFAULTS = {
  releaseName: 'seldon-core',
  chart: 'seldon-core-operator',
  repo: 'https://storage.googleapis.com/seldon-charts',
  version: '1.17.1',
  namespace: 'seldon-system',
  values: { usageMetrics: { enabled: false } },
  note: 'Pinned to 1.17.1, the last Apache-2.0 release of Seldon Core v1; 1.18+ is under the Business Source License.',
} as const satisfies HelmChartRef;

/** Installed only when asked for (`enabled: true`). */
export const SELDON_CORE_ADD_ON: HelmAddOn = {
  enabledByDefault: false,
  charts: [{ defaultProps: SELDON_CORE_DEFAULTS }],
  crds: ['seldondeployments.machinelearning.seldon.io'],
};
