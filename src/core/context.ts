/**
 * What model workloads need to know about the platform they run on: where MLflow is, where the
 * object store is, which Airflow runs their DAGs, which GPU pools exist. The {@link Platform}
 * construct produces it; a model repository that does not synthesize the platform builds one with
 * {@link platformContext} from the platform's conventional names.
 */
import { Validator } from './errors';
import type { GpuPoolSpec } from './gpu';
import type { SsoRef } from './sso';
import { words, Wording } from './words';

/** Where models reach the S3-compatible object store. */
export interface ObjectStoreRef {
  /** S3 endpoint URL, e.g. `http://object-store.modelplane-system.svc.cluster.local:7070`. @default - AWS S3 */
  readonly endpoint?: string;
  /** Region. @default "us-east-1" */
  readonly region?: string;
  /**
   * Name of the Secret, in each team namespace, with keys `AWS_ACCESS_KEY_ID` and
   * `AWS_SECRET_ACCESS_KEY` for model workloads. @default "modelplane-s3"
   */
  readonly credentialsSecret: string;
}

/** The Airflow that runs generated DAGs. */
export interface AirflowRef {
  /** Airflow's namespace. @default "airflow" */
  readonly namespace: string;
  /** The ServiceAccount Airflow's workers run as; team namespaces grant it what DAG tasks need. @default "airflow-worker" */
  readonly workerServiceAccount: string;
  /** The Airflow connection id tasks use for Kubernetes. @default "kubernetes_default" */
  readonly kubernetesConnId: string;
}

/**
 * Where pods reach the Kubernetes API server, as NetworkPolicy sees it: the addresses and ports of the
 * API server's endpoints, after the `kubernetes` Service's DNAT (so its ClusterIP, e.g. 10.96.0.1, is
 * usually not the address to allow). Read them with
 * `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`.
 */
export interface ApiServerRef {
  /** CIDRs of the API server's endpoints, e.g. `["172.18.0.2/32"]`. */
  readonly cidrs: readonly string[];
  /** Their ports, e.g. `[6443]` (kubeadm, kind) or `[443]` (most managed clusters). */
  readonly ports: readonly number[];
}

/**
 * The API server's addresses when the platform does not set them: the private IPv4 ranges
 * (RFC 1918) on 443 and 6443. Synthesis cannot know a cluster's endpoints; these close the hole
 * to the internet and work where the endpoints are private addresses (kind, kubeadm, k3s, EKS,
 * private GKE and AKS clusters), but still allow any private address on those ports, and do not
 * reach a public endpoint (public GKE or AKS clusters). Set `apiServer` to the endpoints'
 * addresses (see {@link ApiServerRef}).
 */
export const DEFAULT_API_SERVER: ApiServerRef = Object.freeze({
  cidrs: Object.freeze(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
  ports: Object.freeze([443, 6443]),
});

/**
 * The namespaces of modelplane's operators at their pinned defaults (Spark Operator, Airflow, KServe,
 * Seldon Core, KEDA, kube-prometheus-stack): what {@link platformContext} reserves when it is not
 * told the platform's. test/tenancy-namespaces.test.ts keeps it equal to the operators' own defaults.
 */
export const DEFAULT_OPERATOR_NAMESPACES: readonly string[] = Object.freeze([
  'spark-operator',
  'airflow',
  'kserve',
  'seldon-system',
  'keda',
  'monitoring',
  'argo',
  'envoy-gateway-system',
]);

/** The namespaces of Kubernetes itself; any other `kube-*` namespace is reserved too. */
export const KUBERNETES_NAMESPACES: readonly string[] = Object.freeze(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/**
 * The operators a platform can install, as the keys of a platform file's `operators` (the Platform
 * construct's `PlatformOperators`; test/operators-installed.test.ts keeps the two lists equal).
 */
export const OPERATOR_KEYS = [
  'sparkOperator',
  'airflow',
  'kserve',
  'seldonCore',
  'keda',
  'prometheus',
  'argoWorkflows',
  'envoyGateway',
] as const;

/** One of {@link OPERATOR_KEYS}. */
export type OperatorKey = (typeof OPERATOR_KEYS)[number];

/** How messages name each operator. */
const OPERATOR_TITLES: Readonly<Record<OperatorKey, string>> = {
  sparkOperator: 'the Spark Operator',
  airflow: 'Airflow',
  kserve: 'KServe',
  seldonCore: 'Seldon Core',
  keda: 'KEDA',
  prometheus: 'the Prometheus Operator',
  argoWorkflows: 'Argo Workflows',
  envoyGateway: 'a Gateway API implementation (Envoy Gateway) and the Gateway modelplane-system/modelplane',
};

/** Facts about the platform a team's workloads run on. */
export interface PlatformContext {
  /** Namespace of the platform's own services (MLflow, its stores). @default "modelplane-system" */
  readonly platformNamespace: string;
  /** MLflow tracking URI reachable from team namespaces. */
  readonly mlflowTrackingUri: string;
  /** Labels selecting MLflow's pods (for NetworkPolicy egress). */
  readonly mlflowPodLabels: Readonly<Record<string, string>>;
  /** MLflow's container port. @default 5000 */
  readonly mlflowPort: number;
  /** The object store models read and write. */
  readonly objectStore: ObjectStoreRef;
  /** The Airflow that runs DAGs. */
  readonly airflow: AirflowRef;
  /** Namespace of Prometheus, allowed to scrape team workloads. @default "monitoring" */
  readonly monitoringNamespace: string;
  /** The GPU pools workloads may be placed on. @default [] */
  readonly gpuPools: readonly GpuPoolSpec[];
  /** Where the Spark drivers and the secret bootstrap reach the API server. @default {@link DEFAULT_API_SERVER} */
  readonly apiServer: ApiServerRef;
  /** The namespaces of the platform's operators (never a team's). @default {@link DEFAULT_OPERATOR_NAMESPACES} */
  readonly operatorNamespaces: readonly string[];
  /**
   * The operators the platform installs. A workload whose objects need another operator is refused (an
   * InferenceService on a platform without KServe is admitted by nobody, or applied and never served).
   * @default - not known (a team's chart synthesized without its platform): not checked
   */
  readonly installedOperators?: readonly OperatorKey[];
  /**
   * The namespace of the gateway's proxies (Envoy Gateway runs them in its own namespace), which routes a
   * deployment- or kserve-backend model's traffic through: team NetworkPolicies admit it. @default - no gateway
   */
  readonly gatewayNamespace?: string;
  /**
   * The platform's single sign-on (its OIDC issuer), which team notebooks, MLflow's proxy and the Airflow UI
   * sign users in through. @default - no single sign-on
   */
  readonly sso?: SsoRef;
}

/** Default platform namespace. */
export const DEFAULT_PLATFORM_NAMESPACE = 'modelplane-system';

/** Overrides for {@link platformContext}. */
export interface PlatformContextOverrides extends Partial<Omit<PlatformContext, 'objectStore' | 'airflow'>> {
  /** Overrides for the object store. */
  readonly objectStore?: Partial<ObjectStoreRef>;
  /** Overrides for Airflow. */
  readonly airflow?: Partial<AirflowRef>;
}

/** The context of a platform installed with modelplane's defaults, with optional overrides. */
export function platformContext(overrides: PlatformContextOverrides = {}): PlatformContext {
  const ns = overrides.platformNamespace ?? DEFAULT_PLATFORM_NAMESPACE;
  return {
    platformNamespace: ns,
    mlflowTrackingUri: overrides.mlflowTrackingUri ?? `http://mlflow.${ns}.svc.cluster.local:5000`,
    mlflowPodLabels: overrides.mlflowPodLabels ?? { 'app.kubernetes.io/name': 'mlflow', 'app.kubernetes.io/component': 'tracking-server' },
    mlflowPort: overrides.mlflowPort ?? 5000,
    objectStore: {
      endpoint: `http://object-store.${ns}.svc.cluster.local:7070`,
      region: 'us-east-1',
      credentialsSecret: 'modelplane-s3',
      ...(overrides.objectStore ?? {}),
    },
    airflow: {
      namespace: 'airflow',
      workerServiceAccount: 'airflow-worker',
      kubernetesConnId: 'kubernetes_default',
      ...(overrides.airflow ?? {}),
    },
    monitoringNamespace: overrides.monitoringNamespace ?? 'monitoring',
    gpuPools: overrides.gpuPools ?? [],
    apiServer: overrides.apiServer ?? DEFAULT_API_SERVER,
    operatorNamespaces: overrides.operatorNamespaces ?? DEFAULT_OPERATOR_NAMESPACES,
    ...(overrides.installedOperators !== undefined ? { installedOperators: overrides.installedOperators } : {}),
    ...(overrides.gatewayNamespace !== undefined ? { gatewayNamespace: overrides.gatewayNamespace } : {}),
    ...(overrides.sso !== undefined ? { sso: overrides.sso } : {}),
  };
}

/** True when the platform installs `operator`, or when what it installs is not known (a team's chart synthesized alone). */
export function operatorInstalled(context: PlatformContext, operator: OperatorKey): boolean {
  return context.installedOperators === undefined || context.installedOperators.includes(operator);
}

/**
 * Checks that the platform installs `operator`, which the objects of `field` need (nothing is checked
 * when {@link PlatformContext.installedOperators} is not known). Returns whether it passed.
 *
 * @param alternative what else the user can write instead, e.g. `use backend: deployment` @default - none
 */
export function checkOperatorInstalled(
  v: Validator,
  field: string,
  value: unknown,
  context: PlatformContext,
  operator: OperatorKey,
  alternative?: Wording,
): boolean {
  const installed = context.installedOperators;
  const enable = `set operators.${operator}.enabled: true in the platform file`;
  return v.check(
    installed === undefined || installed.includes(operator),
    field,
    value,
    `needs ${OPERATOR_TITLES[operator]}, which the platform does not install (operators.${operator}.enabled is off)`,
    alternative ? words`${enable}, or ${alternative}` : enable,
  );
}

/**
 * The namespaces no team may use, sorted: Kubernetes' own, and the platform's, Airflow's, monitoring's
 * and every operator's namespace. (Any `kube-*` name is reserved as well: see {@link isReservedNamespace}.)
 * The one list the Platform, TeamSpace and TeamModels check team names against.
 */
export function reservedNamespaces(context: PlatformContext): string[] {
  const operators = context.operatorNamespaces ?? DEFAULT_OPERATOR_NAMESPACES;
  const own = [context.platformNamespace, context.airflow.namespace, context.monitoringNamespace, ...operators];
  return [...new Set([...KUBERNETES_NAMESPACES, ...own])].sort();
}

/** True for a namespace no team may use: one of {@link reservedNamespaces}, or any `kube-*`. */
export function isReservedNamespace(name: string, context: PlatformContext): boolean {
  return name.startsWith('kube-') || reservedNamespaces(context).includes(name);
}

/**
 * Checks that a team's name (its namespace) is none of the reserved namespaces: a team namespace gets
 * default-deny policies, restricted Pod Security and the team's editors. Returns whether it passed.
 */
export function checkTeamNamespace(v: Validator, field: string, name: string, context: PlatformContext): boolean {
  return v.check(
    !isReservedNamespace(name, context),
    field,
    name,
    "is a namespace of Kubernetes (default, kube-*), the platform, Airflow, monitoring or an operator, not a team's",
    `choose another team name (reserved: ${reservedNamespaces(context).join(', ')} and any kube-*)`,
  );
}
