/**
 * What model workloads need to know about the platform they run on: where MLflow is, where the
 * object store is, which Airflow runs their DAGs, which GPU pools exist. The {@link Platform}
 * construct produces it; a model repository that does not synthesize the platform builds one with
 * {@link platformContext} from the platform's conventional names.
 */
import type { GpuPoolSpec } from './gpu';

/** Where models reach the S3-compatible object store. */
export interface ObjectStoreRef {
  /** S3 endpoint URL, e.g. `http://minio.modelplane-system.svc.cluster.local:9000`. @default - AWS S3 */
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
      endpoint: `http://minio.${ns}.svc.cluster.local:9000`,
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
  };
}
