/** KEDA: scales the online models' workers on queue length. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned KEDA chart. */
export const KEDA_DEFAULTS = {
  releaseName: 'keda',
  chart: 'keda',
  repo: 'https://kedacore.github.io/charts',
  version: '2.20.2',
  namespace: 'keda',
  values: {},
} as const satisfies HelmChartRef;

/** Installed by default, watching every namespace. */
export const KEDA_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [{ defaultProps: KEDA_DEFAULTS, computedValues: () => ({ watchNamespace: '' }) }],
  crds: ['scaledobjects.keda.sh', 'scaledjobs.keda.sh', 'triggerauthentications.keda.sh', 'clustertriggerauthentications.keda.sh'],
};
