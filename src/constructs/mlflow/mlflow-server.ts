import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { orThrow } from '../../core/errors';
import { EmbeddedObjectStore } from './embedded-object-store';
import { EmbeddedPostgres } from './embedded-postgres';
import { MlflowServerProps, resolveMlflowServer } from './mlflow-resolve';
import { renderDeployment, renderIngress, renderNetworkPolicy, renderServiceAndBudget } from './mlflow-render';

export * from './mlflow-resolve';
export { artifactsDestination, mlflowArgs, mlflowEnv } from './mlflow-render';

/**
 * The MLflow tracking server and model registry (for the bank, the small team and beeline business's
 * team workspaces alike): `mlflow db upgrade` in an init container before the server starts, proxied
 * artifacts, Prometheus metrics, the allowed-hosts list MLflow ≥ 3.5 needs behind a Service, probes on
 * `/health`, two or more replicas with a PodDisruptionBudget, and NetworkPolicies. Stores are in-cluster
 * PostgreSQL and an S3 server (versitygw) by default, or an external database and S3 given by Secret reference.
 */
export class MlflowServer extends Construct {
  /** The Service name. */
  public readonly serviceName: string;
  /** The tracking URI inside the cluster. */
  public readonly trackingUri: string;
  /** Labels selecting the server's pods. */
  public readonly podLabels: Record<string, string>;
  /** The hosts passed to `--allowed-hosts`. */
  public readonly allowedHosts: readonly string[];
  /** The Deployment. */
  public readonly deployment: ApiObject;
  /** The embedded database, if any. */
  public readonly postgres?: EmbeddedPostgres;
  /** The embedded object store, if any. */
  public readonly objectStore?: EmbeddedObjectStore;

  constructor(scope: Construct, id: string, props: MlflowServerProps) {
    const spec = orThrow(resolveMlflowServer(id, props));
    super(scope, id);
    this.serviceName = spec.name;
    this.trackingUri = spec.trackingUri;
    this.podLabels = spec.podLabels;
    this.allowedHosts = spec.allowedHosts;
    // Stores first: the server's env refers to their Services and Secrets.
    const store = { namespace: spec.namespace, clientPodLabels: spec.podLabels };
    if (spec.backend.kind === 'embedded') this.postgres = new EmbeddedPostgres(this, 'Postgres', { ...spec.backend.props, ...store });
    if (spec.artifacts.kind === 'embedded')
      this.objectStore = new EmbeddedObjectStore(this, 'ObjectStore', { ...spec.artifacts.props, ...store });
    this.deployment = renderDeployment(this, spec);
    renderServiceAndBudget(this, spec);
    renderNetworkPolicy(this, spec);
    renderIngress(this, spec);
  }

  /** @deprecated the embedded store is versitygw now: use {@link MlflowServer.objectStore}. */
  public get minio(): EmbeddedObjectStore | undefined {
    return this.objectStore;
  }
}
