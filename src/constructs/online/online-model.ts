import { Construct } from 'constructs';
import { constructLabel } from '../../core/errors';
import type { IModelServing, ServedVariant } from '../model-serving';
import type { QuotaDemand, QuotaDemanding } from '../quota';
import { SERVING_BACKENDS } from './backends';
import type { OnlineModelProps } from './props';
import { onlineQuotaDemand } from './quota-demand';
import { resolveOnlineModel } from './resolve';
import type { IServedModel } from './served-model';
import type { OnlineBackend, OnlineEndpoint, ResolvedOnlineModel, ResolvedVariant } from './spec';
import { resolveInTeam } from './team';

export type { DeploymentOptions, KServeOptions, OnlineAutoscaling, OnlineModelProps, RabbitQueueScaling, SeldonOptions } from './props';
export type { OnlineVariant } from './rollouts';
export type { OnlineBackend, OnlineEndpoint } from './spec';

/**
 * A model served online (the translation team's GPU queue worker, the small team's services, the
 * models beeline business tests): one typed definition on KServe (default, Standard mode, MLflow
 * format on the v2 protocol), Seldon Core v1 (`MLFLOW_SERVER` on v2, pinned to the Apache-2.0
 * release 1.17.1) or a plain Deployment running MLServer with its MLflow runtime. With `format`, a
 * TensorFlow SavedModel is served by TensorFlow Serving and an ONNX model or a Triton repository by
 * NVIDIA Triton, on KServe or a plain Deployment (Seldon serves MLflow models only).
 *
 * Every backend gets requests and limits, GPU placement on a pool, probes on MLServer's health
 * endpoints, zero-downtime rolling updates, a PodDisruptionBudget, spread across nodes, Prometheus
 * scraping of MLServer's metrics port, MLFLOW_TRACKING_URI (so `models:/` URIs resolve) and
 * credentials by Secret reference only; one autoscaler (HPA or KEDA); and canary, A/B and shadow
 * rollouts in the backend's own terms. Invalid input fails before any object is created: the props
 * are resolved ({@link resolveOnlineModel}) before the construct exists, then the backend renders them.
 *
 * @example
 * new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment' });
 */
export class OnlineModel extends Construct implements IServedModel, IModelServing, QuotaDemanding {
  /** The service name. */
  public readonly name: string;
  /** The team (and namespace) serving the model. */
  public readonly team: string;
  /** The backend. */
  public readonly backend: OnlineBackend;
  /** The resolved definition the backend rendered. */
  public readonly spec: ResolvedOnlineModel;
  /** In-cluster base URL of the primary variant's REST endpoint (v2 protocol). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: OnlineModelProps) {
    const { chart, spec } = resolveInTeam(scope, 'OnlineModel', id, props, resolveOnlineModel);
    super(scope, id);
    this.name = spec.name;
    this.team = spec.team;
    this.backend = spec.backend;
    this.spec = spec;
    // Registered once its spec is set: the chart tells the team's trained models of it (servedVariants).
    chart.registerModel({ name: spec.name, kind: 'OnlineModel', id, construct: this });
    for (const x of spec.variants) if (!x.primary) chart.claimName(x.objectName, { kind: 'OnlineModel', id });
    SERVING_BACKENDS[spec.backend].render(this, spec);
    this.url = this.endpoint().url;
  }

  /** What the model requests at its most (every variant at its maximum replicas), for the team's quota. */
  public quotaDemand(): QuotaDemand {
    return onlineQuotaDemand(this.spec);
  }

  /** {@inheritDoc IModelServing.servedVariants} */
  public servedVariants(): readonly ServedVariant[] {
    const backend = SERVING_BACKENDS[this.spec.backend];
    return this.spec.variants.map((v) => ({ variant: v.name, modelUri: v.model, rollout: backend.rollout(this.spec, v) }));
  }

  /** The model versions behind the service; the first is the primary. */
  public get variants(): readonly ResolvedVariant[] {
    return this.spec.variants;
  }

  /**
   * Where a client inside the cluster reaches one variant over REST (v2 protocol): the base URL and
   * the model name in `/v2/models/<name>/infer`. @param variant the variant name; the primary when omitted
   */
  public endpoint(variant?: string): OnlineEndpoint {
    const s = this.spec;
    const v = variant === undefined ? s.variants[0] : s.variants.find((x) => x.name === variant);
    const label = constructLabel('OnlineModel', this.node.id);
    if (!v)
      throw new Error(
        `${label}: has no variant "${variant}" (variants: ${s.variants.map((x) => x.name).join(', ')}). Fix: name one of them.`,
      );
    const e = SERVING_BACKENDS[s.backend].endpoint(s, v);
    if ('refused' in e) throw new Error(`${label}: ${e.refused}`);
    return e;
  }
}
