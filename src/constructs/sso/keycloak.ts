/**
 * The platform's Keycloak: a Deployment that passes Pod Security "restricted" with a read-only root
 * filesystem, its Service, an Ingress when an IngressClass is given, its NetworkPolicy, and the realm as a
 * ConfigMap imported at start (`--import-realm`). No secret value is in the output: the database's
 * credentials come from the operator's Secret, each client secret from the Secret the secret-bootstrap Job
 * generates (the realm reads it as `${ENV}`).
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { dnsEgress, namespacePeer, policyPort } from '../../core/network';
import { restrictedContainer, restrictedPodSecurityContext, scratchMounts, scratchVolumes, ScratchDir, TMP_DIR } from '../../core/security';
import { SSO_CLIENT_SECRET_KEY } from '../../core/sso';
import { isolatingPolicy, teamNamespacesPeer } from '../mlflow/workload';
import { keycloakRealm, SSO_REALM } from './keycloak-realm';
import { KEYCLOAK_CLUSTER_PORTS, KEYCLOAK_HTTP_PORT, KEYCLOAK_MANAGEMENT_PORT, KEYCLOAK_UID, ResolvedKeycloak } from './keycloak-resolve';

/** Where Keycloak's home is in its image. */
const HOME = '/opt/keycloak';
/** The realm file's name in the ConfigMap and in Keycloak's import directory. */
export const REALM_FILE = `${SSO_REALM}-realm.json`;

/**
 * Keycloak's build output (`kc.sh build` writes `lib/quarkus`): an emptyDir, seeded from the image and rebuilt
 * with the platform's build options (the database vendor, health) by the init containers, so the root
 * filesystem stays read-only.
 */
const QUARKUS_DIR: ScratchDir = { name: 'quarkus', mountPath: `${HOME}/lib/quarkus`, sizeLimit: '256Mi' };
/** Keycloak's data directory (its temporary files; the import directory is mounted inside it). */
const DATA_DIR: ScratchDir = { name: 'data', mountPath: `${HOME}/data`, sizeLimit: '256Mi' };

/** The build options, the same in the build init container and in the server (`start --optimized` checks them). */
function buildOptions(k: ResolvedKeycloak): string[] {
  return [`--db=${k.database.vendor}`, '--health-enabled=true'];
}

/** Renders the resolved Keycloak into `scope` (the platform chart). */
export class Keycloak extends Construct {
  constructor(scope: Construct, id: string, k: ResolvedKeycloak) {
    super(scope, id);
    const meta = { name: k.name, namespace: k.namespace, labels: k.labels };
    new k8s.KubeConfigMap(this, 'Realm', {
      metadata: { ...meta, name: `${k.name}-realm` },
      data: {
        [REALM_FILE]: `${JSON.stringify(keycloakRealm({ clients: k.clients, groups: k.groups, groupsClaim: k.groupsClaim }), null, 2)}\n`,
      },
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: meta,
      spec: {
        replicas: k.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: k.podLabels },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
        },
        template: { metadata: { labels: k.labels }, spec: podSpec(k) },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: meta,
      spec: {
        type: 'ClusterIP',
        selector: k.podLabels,
        ports: [{ name: 'http', port: KEYCLOAK_HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    if (k.replicas > 1)
      new k8s.KubePodDisruptionBudget(this, 'Pdb', {
        metadata: meta,
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: k.podLabels },
          unhealthyPodEvictionPolicy: 'AlwaysAllow',
        },
      });
    renderNetworkPolicy(this, k);
    if (k.ingressClassName) {
      const backend = { service: { name: k.name, port: { number: KEYCLOAK_HTTP_PORT } } };
      new k8s.KubeIngress(this, 'Ingress', {
        metadata: meta,
        spec: {
          ingressClassName: k.ingressClassName,
          rules: [{ host: new URL(k.url).hostname, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
        },
      });
    }
  }
}

/**
 * Keycloak's NetworkPolicy: in on HTTP from the team namespaces, its client namespaces and the ingress
 * controller's; its replicas' cluster traffic among themselves; out to DNS and the database only.
 */
function renderNetworkPolicy(scope: Construct, k: ResolvedKeycloak): void {
  const meta = { name: k.name, namespace: k.namespace, labels: k.labels };
  const own = { podSelector: { matchLabels: k.podLabels } };
  const cluster = KEYCLOAK_CLUSTER_PORTS.map((p) => policyPort(p));
  isolatingPolicy(scope, 'NetworkPolicy', meta, k.podLabels, {
    ingress: [
      // Browsers through the ingress controller, and the clients' pods calling the token, userinfo and keys endpoints.
      {
        from: [teamNamespacesPeer(), ...[...k.clientNamespaces, ...k.ingressNamespaces].map(namespacePeer)],
        ports: [policyPort(KEYCLOAK_HTTP_PORT)],
      },
      { from: [own], ports: cluster },
    ],
    egress: [
      dnsEgress(),
      { to: k.database.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [policyPort(k.database.port)] },
      { to: [own], ports: cluster },
    ],
  });
}

/** A variable of Keycloak's pod from a key of a Secret. */
function fromSecret(name: string, secret: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

function podSpec(k: ResolvedKeycloak): k8s.PodSpec {
  const image = k.image;
  const scratch = [TMP_DIR, QUARKUS_DIR, DATA_DIR];
  const mounts = scratchMounts(scratch);
  const realm = { name: 'realm', mountPath: `${HOME}/data/import`, readOnly: true };
  const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromString('management') } });
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(KEYCLOAK_UID),
    initContainers: [
      // The image's build output, copied into the writable emptyDir, then rebuilt with the platform's options.
      restrictedContainer({
        name: 'seed',
        image,
        uid: KEYCLOAK_UID,
        command: ['/bin/bash', '-c', `cp -a ${HOME}/lib/quarkus/. /seed/`],
        resources: { cpu: '100m', memory: '128Mi' },
        volumeMounts: [{ name: QUARKUS_DIR.name, mountPath: '/seed' }],
      }),
      restrictedContainer({
        name: 'build',
        image,
        uid: KEYCLOAK_UID,
        args: ['build', ...buildOptions(k)],
        resources: k.resources,
        volumeMounts: mounts,
      }),
    ],
    containers: [
      restrictedContainer({
        name: 'keycloak',
        image,
        uid: KEYCLOAK_UID,
        args: ['start', '--optimized', '--import-realm'],
        env: [
          { name: 'KC_HOSTNAME', value: k.url },
          // The clients' pods call the token, userinfo and keys endpoints at the Service; tokens still name the public issuer.
          { name: 'KC_HOSTNAME_BACKCHANNEL_DYNAMIC', value: 'true' },
          // TLS ends at the Ingress, which forwards the client's scheme and host.
          { name: 'KC_HTTP_ENABLED', value: 'true' },
          { name: 'KC_HTTP_PORT', value: String(KEYCLOAK_HTTP_PORT) },
          { name: 'KC_PROXY_HEADERS', value: 'xforwarded' },
          fromSecret('KC_DB_URL', k.database.secret, k.database.urlKey),
          fromSecret('KC_DB_USERNAME', k.database.secret, k.database.usernameKey),
          fromSecret('KC_DB_PASSWORD', k.database.secret, k.database.passwordKey),
          // The realm's `${SSO_CLIENT_SECRET_...}`: Keycloak's import replaces them with these.
          ...k.clients.map((c) => fromSecret(c.secretEnv, c.keycloakSecret, SSO_CLIENT_SECRET_KEY)),
        ],
        ports: [
          { name: 'http', containerPort: KEYCLOAK_HTTP_PORT, protocol: 'TCP' },
          { name: 'management', containerPort: KEYCLOAK_MANAGEMENT_PORT, protocol: 'TCP' },
          ...KEYCLOAK_CLUSTER_PORTS.map((p, i) => ({ name: i === 0 ? 'jgroups' : 'jgroups-fd', containerPort: p, protocol: 'TCP' })),
        ],
        startupProbe: { ...http('/health/started'), periodSeconds: 5, failureThreshold: 60 },
        readinessProbe: { ...http('/health/ready'), periodSeconds: 10, failureThreshold: 3 },
        livenessProbe: { ...http('/health/live'), periodSeconds: 10, failureThreshold: 3 },
        resources: k.resources,
        volumeMounts: [...mounts, realm],
      }),
    ],
    volumes: [...scratchVolumes(scratch), { name: 'realm', configMap: { name: `${k.name}-realm` } }],
  };
}
