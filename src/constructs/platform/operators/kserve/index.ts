/** KServe in Standard (raw Deployment) mode, with its CRD chart installed first. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned KServe chart. */
export const KSERVE_DEFAULTS = {
  releaseName: 'kserve',
  chart: 'oci://ghcr.io/kserve/charts/kserve-resources',
  repo: '',
  version: 'v0.20.0',
  namespace: 'kserve',
  values: { kserve: { controller: { deploymentMode: 'Standard' } } },
  note: 'Standard (raw Deployment) mode: no Knative or Istio needed.',
} as const satisfies HelmChartRef;

/** The pinned KServe CRD chart. */
export const KSERVE_CRD_DEFAULTS = {
  releaseName: 'kserve-crd',
  chart: 'oci://ghcr.io/kserve/charts/kserve-crd',
  repo: '',
  version: 'v0.20.0',
  namespace: 'kserve',
  values: {},
} as const satisfies HelmChartRef;

/** Installed by default: the CRDs, then KServe. The CRD chart follows KServe's version and nothing else of its overrides. */
export const KSERVE_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [{ defaultProps: KSERVE_CRD_DEFAULTS, overrides: (given) => ({ version: given.version }) }, { defaultProps: KSERVE_DEFAULTS }],
  crds: ['inferenceservices.serving.kserve.io', 'servingruntimes.serving.kserve.io', 'clusterservingruntimes.serving.kserve.io'],
};
