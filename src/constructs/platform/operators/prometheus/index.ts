/** kube-prometheus-stack: Prometheus that picks up every ServiceMonitor and PodMonitor. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The pinned kube-prometheus-stack chart. */
export const PROMETHEUS_DEFAULTS = {
  releaseName: 'kube-prometheus-stack',
  chart: 'kube-prometheus-stack',
  repo: 'https://prometheus-community.github.io/helm-charts',
  version: '79.1.0',
  namespace: 'monitoring',
  values: {
    prometheus: { prometheusSpec: { serviceMonitorSelectorNilUsesHelmValues: false, podMonitorSelectorNilUsesHelmValues: false } },
  },
} as const satisfies HelmChartRef;

/** Installed only when asked for (`enabled: true`): many clusters run their own Prometheus. */
export const PROMETHEUS_ADD_ON: HelmAddOn = {
  enabledByDefault: false,
  charts: [{ defaultProps: PROMETHEUS_DEFAULTS }],
  crds: ['servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com'],
};
