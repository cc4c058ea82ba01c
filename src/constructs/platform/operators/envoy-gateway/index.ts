/**
 * Envoy Gateway: the Gateway API CRDs and an implementation of them, for the HTTPRoutes that split a
 * deployment- or kserve-backend model's traffic between its variants (weights, RequestMirror for a shadow). The
 * platform writes the GatewayClass `modelplane` and the Gateway `<platform namespace>/modelplane` the
 * routes attach to.
 */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The GatewayClass controller name of Envoy Gateway. */
export const ENVOY_GATEWAY_CONTROLLER = 'gateway.envoyproxy.io/gatewayclass-controller';

/** The pinned Envoy Gateway chart (its CRDs include the Gateway API's standard channel). */
export const ENVOY_GATEWAY_DEFAULTS = {
  releaseName: 'envoy-gateway',
  chart: 'oci://docker.io/envoyproxy/gateway-helm',
  repo: '',
  version: 'v1.9.1',
  namespace: 'envoy-gateway-system',
  values: {},
  note: 'Envoy Gateway v1.9 (supported until 2027-02); the chart installs the Gateway API CRDs with its own.',
} as const satisfies HelmChartRef;

/** Installed only when asked for (`enabled: true`): a model with variants or a shadow on the deployment backend needs it, and says so. */
export const ENVOY_GATEWAY_ADD_ON: HelmAddOn = {
  enabledByDefault: false,
  charts: [{ defaultProps: ENVOY_GATEWAY_DEFAULTS }],
  crds: [
    'gatewayclasses.gateway.networking.k8s.io',
    'gateways.gateway.networking.k8s.io',
    'httproutes.gateway.networking.k8s.io',
    'grpcroutes.gateway.networking.k8s.io',
    'referencegrants.gateway.networking.k8s.io',
    'backendtlspolicies.gateway.networking.k8s.io',
  ],
};
