/**
 * KServe in Standard (raw Deployment) mode: its CRD chart first, then KServe (kserve-resources), then its serving
 * runtimes (kserve-runtime-configs), all three from KServe's OCI registry at the same version. The platform writes
 * KServe's storage initializer itself ({@link kserveStorageContainer}) instead of the chart's.
 */
import { standardLabels } from '../../../../core/labels';
import type { ApiObjectProps } from 'cdk8s';
import type { HelmAddOn, HelmChartRef } from '../helm-addon';
import { IMAGE_PULL_POLICY } from '../../../../core/security';

/**
 * The pinned KServe chart. Of the chart's shared resources (`createSharedResources`) it installs the
 * `inferenceservice-config` ConfigMap and the cert-manager objects, as the chart's default does, but not its
 * ClusterStorageContainer `default`: the platform writes its own, restricted ({@link kserveStorageContainer}).
 * `storagecontainer.enabled: false` alone would not turn it off: the chart reads
 * `storagecontainer.enabled | default createSharedResources`, and Helm's `default` takes `false` as empty.
 */
export const KSERVE_DEFAULTS = {
  releaseName: 'kserve',
  chart: 'oci://ghcr.io/kserve/charts/kserve-resources',
  repo: '',
  version: 'v0.20.0',
  namespace: 'kserve',
  values: {
    kserve: {
      controller: { deploymentMode: 'Standard' },
      createSharedResources: false,
      inferenceServiceConfig: { enabled: true },
      certManager: { enabled: true },
    },
  },
  note: "Standard mode, no Knative or Istio; the chart's ClusterStorageContainer off: the platform writes a restricted one",
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

/**
 * The pinned chart of KServe's serving runtimes: since v0.20.0 its ClusterServingRuntimes are a chart of their own,
 * off unless `servingruntime.enabled`. Among them `kserve-mlserver`, which our InferenceServices select (they name
 * no runtime: it auto-selects the `mlflow` format on protocol v2), and for the other formats (`format`)
 * `kserve-tensorflow-serving` (`tensorflow` on v1) and `kserve-tritonserver` (`onnx`, `triton` on v2). Installed
 * after kserve-resources, whose webhook validates ClusterServingRuntimes.
 */
export const KSERVE_RUNTIME_CONFIGS_DEFAULTS = {
  releaseName: 'kserve-runtime-configs',
  chart: 'oci://ghcr.io/kserve/charts/kserve-runtime-configs',
  repo: '',
  version: 'v0.20.0',
  namespace: 'kserve',
  values: { kserve: { servingruntime: { enabled: true } } },
  note: "KServe's ClusterServingRuntimes, kserve-mlserver among them; after kserve, whose webhook validates them",
} as const satisfies HelmChartRef;

/**
 * Installed by default: the CRDs, KServe, then its serving runtimes. The CRD chart follows KServe's version and
 * nothing else of its overrides; the runtimes chart its version and namespace (the values are KServe's).
 */
export const KSERVE_ADD_ON: HelmAddOn = {
  enabledByDefault: true,
  charts: [
    { defaultProps: KSERVE_CRD_DEFAULTS, overrides: (given) => ({ version: given.version }) },
    { defaultProps: KSERVE_DEFAULTS },
    { defaultProps: KSERVE_RUNTIME_CONFIGS_DEFAULTS, overrides: (given) => ({ version: given.version, namespace: given.namespace }) },
  ],
  crds: [
    'inferenceservices.serving.kserve.io',
    'servingruntimes.serving.kserve.io',
    'clusterservingruntimes.serving.kserve.io',
    'clusterstoragecontainers.serving.kserve.io',
  ],
  // The CRDs and objects are named after KServe's own release in messages, not after the runtimes installed last.
  providedByRelease: KSERVE_DEFAULTS.releaseName,
};

/** The storage initializer's image: KServe's own, at the KServe version installed. */
export function kserveStorageInitializerImage(version: string): string {
  return `docker.io/kserve/storage-initializer:${version}`;
}

/**
 * The ClusterStorageContainer `default` (serving.kserve.io/v1alpha1; cluster-scoped) in place of the chart's: KServe's
 * pod mutator adds its container as the `storage-initializer` init container of every predictor Pod whose
 * `storageUri` it supports, which must pass Pod Security "restricted" in our team namespaces. The chart's (v0.20.0)
 * sets no seccomp profile and a writable root filesystem; ours:
 *
 * - the image of the KServe version installed (`version`, e.g. `v0.20.0`), pulled `Always` like every container
 *   we own;
 * - allowPrivilegeEscalation false, privileged false, capabilities drop ALL, runAsNonRoot (it runs as the predictor
 *   pod's user: the image's own is 1000, the pod's is the model server's, so both read and write the same files),
 *   seccompProfile RuntimeDefault, and a read-only root filesystem: for `s3://` the initializer writes only to
 *   `/mnt/models`, the emptyDir KServe mounts for it (it would need a writable /tmp for a custom CA bundle or
 *   HDFS secrets, which modelplane does not configure);
 * - the chart's requests and limits (100m / 100Mi, 1 CPU / 1Gi);
 * - `s3://` only, the one scheme our output writes to `storageUri`: other schemes get KServe's ConfigMap-configured
 *   initializer, as on a cluster without a ClusterStorageContainer.
 */
export function kserveStorageContainer(version: string): ApiObjectProps {
  return {
    apiVersion: 'serving.kserve.io/v1alpha1',
    kind: 'ClusterStorageContainer',
    metadata: { name: 'default', labels: standardLabels({ name: 'kserve-storage-initializer', component: 'storage-initializer' }) },
    spec: {
      container: {
        name: 'storage-initializer',
        image: kserveStorageInitializerImage(version),
        imagePullPolicy: IMAGE_PULL_POLICY,
        resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        securityContext: {
          allowPrivilegeEscalation: false,
          privileged: false,
          capabilities: { drop: ['ALL'] },
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
      supportedUriFormats: [{ prefix: 's3://' }],
      workloadType: 'initContainer',
    },
  };
}
