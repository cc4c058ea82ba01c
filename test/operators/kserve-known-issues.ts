/**
 * Known issues of KServe's part of the operators tier: places where KServe v0.20.0 reconciles our output
 * differently than our constructs intend, that are not a one-line fix. Each entry names the object, the exact
 * part of the problem it expects and why it is accepted for now (with the fix). The test prints every entry it
 * matched; an entry that no longer matches fails the test (remove it), so the list cannot go stale.
 */
export interface KServeKnownIssue {
  /** `namespace/name` of the InferenceService (or the object referring to it). */
  readonly object: string;
  /** A part of the problem's text that must appear. */
  readonly message: string;
  /** Why it is accepted, and what would fix it. */
  readonly reason: string;
}

const CANARY_FLOOR =
  "our canary predictors set minReplicas to the model's minimum (src/constructs/online/backends/kserve.ts, kserveScaling: `if (canary) return { minReplicas: Math.max(1, minReplicas(m)) }`), and KServe v0.20.0 takes the stable predictor's minReplicas as the total and subtracts the canaries' replicas (at least 1 left): the stable predictor's floor drops below `replicas.min`, and the canary outnumbers it whatever its trafficPercent. Fix: write no minReplicas on canaries (KServe then runs ceil(min x trafficPercent / 100)) and write the stable minReplicas as our minimum plus those canary replicas";
const STABLE_NAME =
  "with variants the stable predictor carries `name: <variant>` (kserve.ts, predictor(): `...(m.variants.length > 1 ? { name: v.name } : {})`), so KServe names its Deployment and Service `<model>-<variant>-predictor`, while kservePredictorDeployment() (the ModelTest endpoint, the ScaledObject target) says `<model>-predictor`. Fix: give only canaries a name (the stable predictor needs none), or make kservePredictorDeployment() add the primary variant's name";

const STORAGE_INITIALIZER_PSS =
  'in Standard mode KServe\'s pod mutator adds the storage initializer of the ClusterStorageContainer `default` that the kserve-resources chart installs, and that container has no securityContext: Pod Security "restricted" refuses every Pod of an `s3://` model in our restricted team namespaces. Fix (platform, src/constructs/platform/operators/kserve/index.ts): turn the chart\'s off (`kserve.storagecontainer.enabled: false`) and create our own ClusterStorageContainer `default` whose container sets the restricted securityContext (allowPrivilegeEscalation false, capabilities drop ALL, runAsNonRoot, seccompProfile RuntimeDefault)';

const CANARY_TRAFFIC =
  'KServe v0.20.0 in Standard mode splits no traffic for `spec.canary[]`: trafficPercent only sizes the canary (ceil(min x trafficPercent / 100) replicas when it sets no minReplicas) and is echoed in status.canaryStatuses; the Ingress goes to the stable predictor\'s Service, whose selector (`app: isvc.<stable deployment>`) takes the stable pods only, and the canary is reachable at its own Service alone. Our kserve backend (src/constructs/online/backends/kserve.ts, header: "Canaries: spec.canary[] with trafficPercent") promises a split. Fix: route the split ourselves (a Service over both predictors\' pods by our labels, or Gateway API HTTPRoute weights over the two Services, as the deployment backend does), or refuse canaries/A-B on the kserve backend and point to `server: deployment`';

export const KSERVE_KNOWN_ISSUES: readonly KServeKnownIssue[] = [
  {
    object: 'fraud/fraud-api',
    message: 'stable predictor fraud-api-stable-predictor: HPA minReplicas is 1, replicas.min is 2',
    reason: CANARY_FLOOR,
  },
  {
    object: 'kserve-lab/gpu-api',
    message: 'stable predictor gpu-api-main-predictor: HPA minReplicas is 1, replicas.min is 2',
    reason: CANARY_FLOOR,
  },
  {
    object: 'kserve-lab/ab-api',
    message: 'stable predictor ab-api-a-predictor: HPA minReplicas is 1, replicas.min is 2',
    reason: CANARY_FLOOR,
  },
  {
    object: 'kserve-lab/gpu-api',
    message: 'http://gpu-api-predictor.kserve-lab.svc.cluster.local names no Service KServe made',
    reason: STABLE_NAME,
  },
  {
    object: 'fraud/fraud-api',
    message: 'canary fraud-api-canary-predictor (trafficPercent 10): the entry Service fraud-api-stable-predictor selects',
    reason: CANARY_TRAFFIC,
  },
  {
    object: 'kserve-lab/gpu-api',
    message: 'canary gpu-api-canary-predictor (trafficPercent 10): the entry Service gpu-api-main-predictor selects',
    reason: CANARY_TRAFFIC,
  },
  {
    object: 'kserve-lab/ab-api',
    message: 'canary ab-api-b-predictor (trafficPercent 50): the entry Service ab-api-a-predictor selects',
    reason: CANARY_TRAFFIC,
  },
  {
    object: 'kserve-lab/s3-api',
    message: 'violates PodSecurity "restricted:v1.28": allowPrivilegeEscalation != false (container "storage-initializer"',
    reason: STORAGE_INITIALIZER_PSS,
  },
];
