import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { constructLabel, orThrow } from '../../core/errors';
import { LABELS, standardLabels } from '../../core/labels';
import { TeamModel, TeamModels } from '../team-models';
import { CascadeDagForm, cascadeDag, dagFileName } from './airflow/dag';
import { argoCascade, ensureArgoRunner } from './argo/compile';
import { cascadeMermaid } from './mermaid';
import { CascadeContext, ResolvedCascade, resolveCascade } from './resolve-cascade';
import { BatchJob, CASCADE_STAGES, CASCADE_TASKS, CascadeBlockShape, cascadeTaskId } from './stages';
import { TeamDags } from './team-dags';

export { MAPPED_FROM_MODELS, MAX_BLOCK_NAME, MAX_CASCADE_NAME, MAX_MAPPED_BLOCK } from './resolve-cascade';

/** How a cascade's Airflow DAG lays out the tasks of its models (see {@link CascadeProps.airflowForm}). */
export type CascadeAirflowForm = CascadeDagForm;

/** Where a cascade runs. */
export type CascadeTarget = 'airflow' | 'argo';

/** A block: models that run in parallel. */
export interface CascadeBlock {
  /** Block name (DNS label, at most 40 characters). */
  readonly name: string;
  /** The block's models: SparkBatchModel constructs or their names (created before the cascade). */
  readonly models: readonly (string | IConstruct)[];
}

/** Properties of a {@link Cascade}. */
export interface CascadeProps {
  /** Cascade name; the DAG id is `<team>.<name>`. @default - the construct id */
  readonly name?: string;
  /** Blocks, run in sequence. */
  readonly blocks: readonly CascadeBlock[];
  /** Five-field cron schedule; scheduled runs run every block and model. @default - none (triggered only) */
  readonly schedule?: string;
  /** Airflow Asset URIs whose update starts a run (Airflow only). @default [] */
  readonly assets?: readonly string[];
  /** The model run the `run` stage uses. @default "score" */
  readonly job?: BatchJob;
  /** Where download stages stage inputs (`<stagingUri>/<run digest>/<model>`). @default "s3a://modelplane-staging/<team>/<cascade>" */
  readonly stagingUri?: string;
  /** Orchestrators to compile to. @default ["airflow"] */
  readonly targets?: readonly CascadeTarget[];
  /** Seconds between two status reads of a running SparkApplication. @default 30 */
  readonly pollIntervalSeconds?: number;
  /** Seconds one stage of one model may run before its wait fails. @default 21600 (6 h) */
  readonly timeoutSeconds?: number;
  /** Retries of a submit task (creation is idempotent). @default 2 */
  readonly submitRetries?: number;
  /** Description shown in Airflow. @default - generated */
  readonly description?: string;
  /**
   * How the Airflow DAG lays out the models' tasks: `per-model` (a task group per model and stage,
   * `<block>.<stage>.<model>.<select|submit|wait>`), `mapped` (per block and stage one select task and a
   * task group mapped over the selected models, `<block>.<stage>.<submit|wait>` with the model's name as
   * map index: parse time grows with the blocks, not the models), or `auto`: `mapped` from
   * `MAPPED_FROM_MODELS` (200) models on, `per-model` below or when a block has more than `MAX_MAPPED_BLOCK`
   * (1,024, Airflow's max_map_length) models (docs/cookbook/cascade-selection.md).
   * @default "auto"
   */
  readonly airflowForm?: CascadeAirflowForm | 'auto';
}

/** The registration of a model construct in its own team's chart, if it has one. */
function registrationOf(model: IConstruct): TeamModel | undefined {
  for (let c: IConstruct | undefined = model.node.scope; c; c = c.node.scope) {
    if (TeamModels.isTeamModels(c)) return c.models.find((m) => m.construct === model);
  }
  return undefined;
}

/**
 * What a cascade in `chart` resolves against: the team's registered models, and the registrations of
 * model constructs from other teams its blocks name (so messages can say what they are).
 */
export function cascadeContext(chart: TeamModels, props: CascadeProps): CascadeContext {
  const models = chart.models;
  const own = new Set(models.map((m) => m.construct));
  const elsewhere: TeamModel[] = [];
  for (const b of Array.isArray(props.blocks) ? props.blocks : []) {
    for (const ref of Array.isArray(b?.models) ? b.models : []) {
      if (typeof ref === 'string' || own.has(ref) || typeof ref?.node !== 'object') continue;
      const reg = registrationOf(ref);
      if (reg) elsewhere.push(reg);
    }
  }
  return { team: chart.team, models, elsewhere, platform: chart.platform };
}

/**
 * A model cascade (the bank's nightly scoring cascades): many batch models in ONE DAG. Blocks run in
 * sequence; the models of a block run in parallel; each block runs three stages in order (download,
 * run, export), and every model has a select, submit and wait task in every stage. A run can pick
 * blocks and models with the `blocks` and `models` params (default: all); an unselected model never
 * starts a Spark session and never stops later blocks; a failed model fails the run and later blocks
 * do not start.
 *
 * Compiles to an Airflow DAG (`<team>.<cascade>`, delivered through the team's DAG ConfigMap and
 * written to `dist/dags/`) and, on request, to an Argo WorkflowTemplate and CronWorkflow. {@link graph}
 * renders it as Mermaid text. The models come from the team's registry (by name) or as constructs; a
 * cascade runs those that are {@link ICascadeRunnable}.
 */
export class Cascade extends Construct {
  /** Cascade name. */
  public readonly cascadeName: string;
  /** The team. */
  public readonly team: string;
  /** The Airflow DAG id. */
  public readonly dagId: string;
  /** Blocks with resolved model names. */
  public readonly blocks: readonly CascadeBlockShape[];
  /** The resolved props (every default applied, the models found). */
  public readonly spec: ResolvedCascade;
  /** The generated DAG file's source (when Airflow is a target). */
  public readonly dagSource?: string;
  /** Argo objects (when Argo is a target). */
  public readonly argoObjects: readonly ApiObject[];

  constructor(scope: Construct, id: string, props: CascadeProps) {
    const chart = TeamModels.find(scope, 'Cascade', id);
    const spec = orThrow(resolveCascade(id, props, cascadeContext(chart, props)));

    super(scope, id);
    this.spec = spec;
    this.cascadeName = spec.name;
    this.team = spec.team;
    this.dagId = spec.dagId;
    this.blocks = spec.blocks;
    const labels = {
      ...standardLabels({ name: 'cascade', instance: spec.name, component: 'orchestration', team: spec.team }),
      [LABELS.cascade]: spec.name,
    };
    // Argo first: its size check is the last thing that can fail, and it fails before anything else is added.
    this.argoObjects = spec.targets.includes('argo') ? this.renderArgo(chart, labels) : [];
    if (spec.targets.includes('airflow')) {
      this.dagSource = this.renderAirflow(chart);
      TeamDags.of(chart).addFile(dagFileName(spec.dagId), this.dagSource, constructLabel('Cascade', id));
    }
  }

  /** The cascade as Mermaid flowchart text (blocks, stages, models). */
  public graph(): string {
    return cascadeMermaid({ name: this.dagId, blocks: this.blocks });
  }

  /**
   * Task ids of the Airflow DAG's models, in DAG order (the stage joins `<block>.<stage>_done` left out):
   * per-model form `<block>.<stage>.<model>.<select|submit|wait>`; mapped form `<block>.<stage>_select`
   * and the mapped `<block>.<stage>.<submit|wait>` (one instance per selected model at run time).
   */
  public taskIds(): string[] {
    const out: string[] = [];
    for (const b of this.blocks) {
      for (const s of CASCADE_STAGES) {
        if (this.spec.airflowForm === 'mapped') out.push(`${b.name}.${s}_select`, `${b.name}.${s}.submit`, `${b.name}.${s}.wait`);
        else for (const m of b.models) for (const t of CASCADE_TASKS) out.push(cascadeTaskId(b.name, s, m, t));
      }
    }
    return out;
  }

  private renderArgo(chart: TeamModels, labels: Record<string, string>): ApiObject[] {
    const spec = this.spec;
    return argoCascade(this, {
      cascade: spec.name,
      namespace: spec.team,
      schedule: spec.schedule,
      serviceAccountName: ensureArgoRunner(chart),
      labels,
      blocks: spec.blocks,
      manifests: (model, stage) => spec.models.get(model)!.stageTemplate(stage, spec.job),
      params: spec.argoParams,
    });
  }

  private renderAirflow(chart: TeamModels): string {
    const spec = this.spec;
    return cascadeDag({
      team: spec.team,
      cascade: spec.name,
      kubernetesConnId: chart.platform.airflow.kubernetesConnId,
      pollSeconds: spec.pollIntervalSeconds,
      timeoutSeconds: spec.timeoutSeconds,
      submitRetries: spec.submitRetries,
      schedule: spec.schedule,
      assets: [...spec.assets],
      tags: [`cascade:${spec.name}`],
      description: spec.description,
      blocks: spec.blocks,
      job: spec.job,
      stagingUri: spec.stagingUri,
      form: spec.airflowForm,
    });
  }
}
