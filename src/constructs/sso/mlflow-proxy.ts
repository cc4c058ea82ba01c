/**
 * MLflow behind an authenticating proxy: oauth2-proxy (OIDC provider, the `mlflow` client) in the platform
 * namespace in front of the MLflow server, letting in the members of every team's editor groups. MLflow's own
 * authentication is basic; browsers reach MLflow through this proxy at the `mlflow` client's URL. Rendered
 * only (no proxy runs in the tiers): {@link mlflowProxySpec} is pure and unit-tested.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { selectorLabels, standardLabels } from '../../core/labels';
import { dnsEgress, namespacePeer, policyPort } from '../../core/network';
import { restrictedContainer, restrictedPodSecurityContext } from '../../core/security';
import { SSO_CLIENT_SECRET_KEY, ssoClient, SsoEgress, SsoRef } from '../../core/sso';
import { isolatingPolicy } from '../mlflow/workload';

/** The pinned oauth2-proxy image. */
export const OAUTH2_PROXY_IMAGE = 'quay.io/oauth2-proxy/oauth2-proxy:v7.15.6';
/** The proxy's port. */
export const OAUTH2_PROXY_PORT = 4180;
/** The Secret (platform namespace) with the proxy's cookie secret, generated in the cluster by the bootstrap Job. */
export const MLFLOW_PROXY_COOKIE_SECRET = 'modelplane-sso-mlflow-cookie';
/** Its key. */
export const COOKIE_SECRET_KEY = 'cookie-secret';

/** What the proxy is made of. */
export interface MlflowProxySpec {
  /** Object name. */
  readonly name: string;
  /** The platform namespace. */
  readonly namespace: string;
  /** Every label. */
  readonly labels: Record<string, string>;
  /** The selector labels. */
  readonly podLabels: Record<string, string>;
  /** The proxy's arguments. */
  readonly args: readonly string[];
  /** Its secret variables, each from a Secret. */
  readonly env: readonly k8s.EnvVar[];
  /** Its egress: DNS, MLflow, the issuer. */
  readonly egress: readonly k8s.NetworkPolicyEgressRule[];
  /** The namespaces allowed in (the ingress controller's). */
  readonly ingressNamespaces: readonly string[];
  /** The Ingress for MLflow's public host, to the proxy. @default - no Ingress */
  readonly ingress?: { readonly className: string; readonly host: string };
}

/** What {@link mlflowProxySpec} needs. */
export interface MlflowProxyInput {
  /** The platform namespace (the proxy's and MLflow's). */
  readonly namespace: string;
  /** The issuer. */
  readonly sso: SsoRef;
  /** MLflow's public URL (the `mlflow` client's). */
  readonly url: string;
  /** MLflow's in-cluster URL, the proxy's upstream. */
  readonly upstream: string;
  /** MLflow's pod labels (the proxy's egress). */
  readonly mlflowPodLabels: Readonly<Record<string, string>>;
  /** MLflow's port. */
  readonly mlflowPort: number;
  /** Every team's editor groups: the groups let in. */
  readonly groups: readonly string[];
  /** The ingress controller's namespaces. */
  readonly ingressNamespaces: readonly string[];
  /** The IngressClass of an Ingress for MLflow's public host. @default - no Ingress */
  readonly ingressClassName?: string;
}

/** The egress rule towards the issuer. */
function issuerEgress(e: SsoEgress): k8s.NetworkPolicyEgressRule {
  if (e.kind === 'in-cluster')
    return {
      to: [{ namespaceSelector: namespacePeer(e.namespace).namespaceSelector, podSelector: { matchLabels: { ...e.podLabels } } }],
      ports: [policyPort(e.port)],
    };
  return { to: e.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: e.ports.map((p) => policyPort(p)) };
}

/**
 * The proxy: OIDC with the issuer's endpoints given (no discovery, so that the pod calls the token and keys
 * endpoints where {@link SsoRef} says, in-cluster for the platform's Keycloak), PKCE, secure cookies, the
 * groups claim checked against every team's editor groups. Pure.
 */
export function mlflowProxySpec(input: MlflowProxyInput): MlflowProxySpec {
  const { sso } = input;
  const info = { name: 'mlflow-proxy', instance: 'mlflow-proxy', component: 'sso-proxy' };
  const url = input.url.replace(/\/+$/, '');
  const groups = [...new Set(input.groups)].sort();
  const client = ssoClient('mlflow');
  return {
    name: 'mlflow-proxy',
    namespace: input.namespace,
    labels: standardLabels({ ...info, version: OAUTH2_PROXY_IMAGE.split(':').pop() }),
    podLabels: selectorLabels(info),
    args: [
      '--provider=oidc',
      `--oidc-issuer-url=${sso.issuerUrl}`,
      '--skip-oidc-discovery=true',
      `--login-url=${sso.authorizeUrl}`,
      `--redeem-url=${sso.tokenUrl}`,
      `--oidc-jwks-url=${sso.jwksUrl}`,
      `--profile-url=${sso.userinfoUrl}`,
      `--client-id=${client.clientId}`,
      `--redirect-url=${url}/oauth2/callback`,
      `--upstream=${input.upstream}`,
      `--http-address=0.0.0.0:${OAUTH2_PROXY_PORT}`,
      `--scope=${sso.scopes.join(' ')}`,
      `--oidc-groups-claim=${sso.groupsClaim}`,
      ...groups.map((g) => `--allowed-group=${g}`),
      '--email-domain=*',
      '--code-challenge-method=S256',
      '--cookie-secure=true',
      '--reverse-proxy=true',
      '--skip-provider-button=true',
    ],
    env: [
      { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: client.secretName, key: SSO_CLIENT_SECRET_KEY } } },
      { name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: MLFLOW_PROXY_COOKIE_SECRET, key: COOKIE_SECRET_KEY } } },
    ],
    egress: [
      dnsEgress(),
      { to: [{ podSelector: { matchLabels: { ...input.mlflowPodLabels } } }], ports: [policyPort(input.mlflowPort)] },
      issuerEgress(sso.egress),
    ],
    ingressNamespaces: [...input.ingressNamespaces],
    ...(input.ingressClassName ? { ingress: { className: input.ingressClassName, host: new URL(url).hostname } } : {}),
  };
}

/** Renders the proxy: a restricted Deployment (2 replicas), its Service and its NetworkPolicy. */
export class MlflowProxy extends Construct {
  constructor(scope: Construct, id: string, p: MlflowProxySpec) {
    super(scope, id);
    const meta = { name: p.name, namespace: p.namespace, labels: p.labels };
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        replicas: 2,
        selector: { matchLabels: p.podLabels },
        template: {
          metadata: { labels: p.labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(65532),
            containers: [
              restrictedContainer({
                name: 'oauth2-proxy',
                image: OAUTH2_PROXY_IMAGE,
                uid: 65532,
                args: [...p.args],
                env: [...p.env],
                ports: [{ name: 'http', containerPort: OAUTH2_PROXY_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('http') } },
                livenessProbe: { httpGet: { path: '/ping', port: k8s.IntOrString.fromString('http') } },
                resources: { cpu: '50m', memory: '64Mi' },
              }),
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: {
        type: 'ClusterIP',
        selector: p.podLabels,
        ports: [{ name: 'http', port: OAUTH2_PROXY_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    isolatingPolicy(this, 'NetworkPolicy', meta, p.podLabels, {
      ingress: [{ from: p.ingressNamespaces.map(namespacePeer), ports: [policyPort(OAUTH2_PROXY_PORT)] }],
      egress: [...p.egress],
    });
    if (p.ingress) {
      const backend = { service: { name: p.name, port: { number: OAUTH2_PROXY_PORT } } };
      new k8s.KubeIngress(this, 'Ingress', {
        metadata: meta,
        spec: {
          ingressClassName: p.ingress.className,
          rules: [{ host: p.ingress.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
        },
      });
    }
  }
}
