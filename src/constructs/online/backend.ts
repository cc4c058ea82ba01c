/**
 * The serving-backend interface: everything {@link OnlineModel} and {@link resolveOnlineModel} need to
 * know about one backend (KServe, Seldon Core v1, a plain Deployment), so neither ever branches on the
 * backend's name. Each backend in ./backends implements it once; ./backends/index.ts is the registry.
 */
import type { Construct } from 'constructs';
import type { OperatorKey, PlatformContext } from '../../core/context';
import type { Validator } from '../../core/errors';
import type { RolloutPatch } from '../batch/airflow/training-spec';
import type { RolloutRefusal } from '../model-serving';
import type { ModelFormat } from './formats';
import type { OnlineModelProps } from './props';
import type { OnlineBackend, OnlineEndpoint, ResolvedHpa, ResolvedKeda, ResolvedOnlineModel, ResolvedVariant } from './spec';

/** The resolved options of the backends, one key each (`kserve`, `seldon`, `deployment`). */
export type BackendOptions = Pick<ResolvedOnlineModel, OnlineBackend>;

/** Why a backend has no endpoint for a variant: the sentence after the construct's name in the error. */
export interface EndpointRefusal {
  /** What is wrong and the fix, e.g. `KServe canary "b" has no Service of its own to test. Fix: ...`. */
  readonly refused: string;
}

/** How a backend serves one model format. */
export interface FormatSupport {
  /** The server that serves it, as the docs and messages name it, e.g. `TensorFlow Serving`. */
  readonly server: string;
  /**
   * Why `models:/` URIs cannot be served in this format (the backend's downloader knows `s3://` only), or
   * undefined when they can. @default - `models:/` URIs are served
   */
  readonly modelsUriRefusal?: string;
}

/** One serving backend. Checks record issues on the validator; render and endpoint see a resolved model only. */
export interface ServingBackend {
  /** The backend's name, as `backend` in the props gives it. */
  readonly name: OnlineBackend;
  /** The keys its options (`props[name]`) may have. */
  readonly optionKeys: readonly string[];
  /** The operator that acts on its objects, which the platform must install. @default - none (plain Kubernetes objects) */
  readonly operator?: OperatorKey;
  /** The model formats it serves (`format`), with the server of each; `mlflow` is served by every backend. */
  readonly formats: Readonly<Partial<Record<ModelFormat, FormatSupport>>>;
  /**
   * Why it serves none of the other formats, by format (the words after `is not served by the "<name>" backend: `).
   * @default - "it has no server for <format> models"
   */
  readonly formatRefusals?: Readonly<Partial<Record<ModelFormat, string>>>;
  /** Checks a model URI (already known to be one modelplane can serve) against what the backend can download. */
  checkModelUri?(v: Validator, field: string, uri: string): void;
  /** Checks the resolved variants against what the backend can split or mirror. */
  checkVariants?(v: Validator, variants: readonly ResolvedVariant[]): void;
  /** Checks the scaler against what the backend can scale. */
  checkScaling?(v: Validator, props: OnlineModelProps, variants: readonly ResolvedVariant[], scaler?: ResolvedHpa | ResolvedKeda): void;
  /** The most pods `variant` runs (its replicas at their maximum), for the team's quota. */
  podsAtMost(m: ResolvedOnlineModel, variant: ResolvedVariant): number;
  /** The names of the workloads a KEDA ScaledObject targets (and is named after). */
  scaledObjectNames(name: string, variants: readonly ResolvedVariant[]): string[];
  /**
   * Checks and defaults the backend's own options, under its own key of {@link BackendOptions}. Every
   * backend resolves its options whichever backend is selected (options for another one are refused
   * before), so the resolved model always carries all three.
   */
  resolveOptions(v: Validator, props: OnlineModelProps, platform: PlatformContext): Partial<BackendOptions>;
  /** Creates the backend's objects for the model under `scope`. */
  render(scope: Construct, m: ResolvedOnlineModel): void;
  /** Where a client inside the cluster reaches `variant` over REST (v2 protocol), or why it cannot. */
  endpoint(m: ResolvedOnlineModel, variant: ResolvedVariant): OnlineEndpoint | EndpointRefusal;
  /**
   * The object a promotion patches (its pod template annotation) so that `variant`'s pods restart and
   * resolve a moved registry alias, or why the backend cannot roll that variant on its own.
   */
  rollout(m: ResolvedOnlineModel, variant: ResolvedVariant): RolloutPatch | RolloutRefusal;
}
