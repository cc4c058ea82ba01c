import * as fs from 'fs';
import * as path from 'path';
import { App, ApiObject, Lazy } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { PlatformContext } from '../../core/context';
import type { RolloutPatch } from './airflow/training-spec';
import { standardLabels } from '../../core/labels';
import { recordSynthOutput } from '../output-files';
import { TeamModels } from '../team-models';

/**
 * The largest DAG ConfigMap we emit. The API server refuses objects over about 1 MiB (etcd's request
 * limit); the rest is headroom for metadata.
 */
export const MAX_DAG_CONFIGMAP_BYTES = 1_000_000;

/** Name of the ConfigMap, in Airflow's namespace, holding a team's generated DAG files. */
export function teamDagsConfigMapName(team: string): string {
  return `modelplane-dags-${team}`;
}

/** Where Airflow's containers mount a team's DAG ConfigMap (below the chart's default DAG folder). */
export function teamDagsMountPath(team: string): string {
  return `/opt/airflow/dags/modelplane/${team}`;
}

/**
 * Values for the official Airflow chart that deliver every team's generated DAGs with no manual step,
 * in both deploy paths (the chart's values come from the Platform): each team's ConfigMap
 * `modelplane-dags-<team>` (optional, so a team without DAGs is fine) is mounted read-only into every
 * Airflow container (dag-processor, scheduler, workers, triggerer, API server) at
 * `/opt/airflow/dags/modelplane/<team>`, inside the default DAG folder; kubelet refreshes the files when
 * the ConfigMap changes. A `.airflowignore` in each ConfigMap hides kubelet's `..data` directories. Workers
 * run as the ServiceAccount team namespaces grant RBAC to, and reach the API server with an in-cluster
 * Kubernetes connection.
 */
export function airflowDagValues(teams: readonly string[], platform: PlatformContext): Record<string, unknown> {
  const sorted = [...teams].sort();
  const connEnv = `AIRFLOW_CONN_${platform.airflow.kubernetesConnId.toUpperCase()}`;
  return {
    volumes: sorted.map((t) => ({ name: `dags-${t}`, configMap: { name: teamDagsConfigMapName(t), optional: true } })),
    volumeMounts: sorted.map((t) => ({ name: `dags-${t}`, mountPath: teamDagsMountPath(t), readOnly: true })),
    env: [{ name: connEnv, value: JSON.stringify({ conn_type: 'kubernetes', extra: { in_cluster: true } }) }],
    workers: { serviceAccount: { create: true, name: platform.airflow.workerServiceAccount } },
    config: { core: { dag_ignore_file_syntax: 'glob' } },
  };
}

/** The ignore file Airflow reads in each DAG folder. */
export const AIRFLOW_IGNORE_FILE = '.airflowignore';

/**
 * A mounted ConfigMap holds its files in `..<timestamp>/`, linked through `..data`; Airflow's DAG folder
 * walk stops with "Detected recursive loop" on them. Glob syntax (set in the chart values).
 */
export const AIRFLOW_IGNORE = "# kubelet's ConfigMap volume internals (..data, ..<timestamp>)\n..*\n";

/** Directory under the App's outdir where synth writes every generated DAG file. */
export const DAGS_OUTDIR = 'dags';

/**
 * The generated Airflow DAG files of one team (one per Cascade and per Airflow-scheduled
 * SparkBatchModel). It emits them as one ConfigMap `modelplane-dags-<team>` in Airflow's namespace,
 * which the Platform's Airflow mounts into its DAG folder (dag-processor, scheduler, workers,
 * triggerer): a deploy by `kubectl apply` of the synth output or by the Pulumi program delivers
 * the DAGs with no other step, and kubelet refreshes the mounted files when the ConfigMap changes.
 * `cdk8s synth` also writes the files to `dist/dags/`.
 *
 * Created on first use by {@link TeamDags.of}; one per TeamModels chart.
 */
export class TeamDags extends Construct {
  /** The TeamDags of a team's chart, created on first use. */
  public static of(chart: TeamModels): TeamDags {
    const existing = chart.node.tryFindChild(TeamDags.ID);
    return existing instanceof TeamDags ? existing : new TeamDags(chart, TeamDags.ID);
  }

  private static readonly ID = 'airflow-dags';

  /** The team. */
  public readonly team: string;
  /** The ConfigMap (in Airflow's namespace). */
  public readonly configMap: ApiObject;
  private readonly files = new Map<string, { source: DagSource; owner: string }>();
  private readonly templateConfigMaps = new Set<string>();
  private readonly rolloutSources: Array<() => readonly RolloutPatch[]> = [];

  private constructor(chart: TeamModels, id: string) {
    super(chart, id);
    this.team = chart.team;
    this.configMap = new k8s.KubeConfigMap(this, 'ConfigMap', {
      metadata: {
        name: teamDagsConfigMapName(chart.team),
        namespace: chart.platform.airflow.namespace,
        labels: {
          ...standardLabels({ name: 'airflow-dags', instance: chart.team, component: 'dags', team: chart.team }),
          'modelplane.dev/dags': 'true',
        },
      },
      data: Lazy.any({ produce: () => this.data() }) as unknown as Record<string, string>,
    });
    this.node.addValidation({ validate: () => this.sizeProblems() });
    DagFileWriter.of(chart);

    // Airflow's worker reads the models' SparkApplication templates: exactly those ConfigMaps, read only.
    // (Creating and watching SparkApplications is granted by the team's TeamSpace.)
    const labels = standardLabels({ name: 'airflow-dags', instance: chart.team, component: 'rbac', team: chart.team });
    new k8s.KubeRole(this, 'TemplateReader', {
      metadata: { name: 'modelplane-airflow-templates', namespace: chart.team, labels },
      rules: Lazy.any({
        produce: () => [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: [...this.templateConfigMaps].sort() }],
      }) as unknown as k8s.PolicyRule[],
    });
    new k8s.KubeRoleBinding(this, 'TemplateReaderBinding', {
      metadata: { name: 'modelplane-airflow-templates', namespace: chart.team, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'modelplane-airflow-templates' },
      subjects: [
        { kind: 'ServiceAccount', name: chart.platform.airflow.workerServiceAccount, namespace: chart.platform.airflow.namespace },
      ],
    });
  }

  /** Lets Airflow's worker read one ConfigMap of SparkApplication templates in the team namespace. */
  public grantTemplateRead(configMap: string): void {
    this.templateConfigMaps.add(configMap);
  }

  /**
   * Lets Airflow's worker roll the objects a trained model's promotion patches: `get` and `patch` on
   * exactly those Deployments and InferenceServices of the team namespace (the Role
   * `modelplane-airflow-rollout`, created on the first grant). `patches` is read at synth time, when the
   * team's online models all exist; a source that throws has problems its owner reports, and adds nothing.
   */
  public grantRollout(patches: () => readonly RolloutPatch[]): void {
    if (this.rolloutSources.length === 0) this.renderRolloutRole();
    this.rolloutSources.push(patches);
  }

  /**
   * Lets Airflow's worker take the training runs' snapshots: `create` and `get` on VolumeSnapshots
   * (snapshot.storage.k8s.io) in the team namespace only (the Role `modelplane-airflow-snapshots`, created
   * on the first grant). No names: a snapshot's name holds the run id, known only when the run starts, and
   * Kubernetes cannot restrict `create` by name. No `delete`, `list`, `update` or `patch`.
   */
  public grantSnapshots(): void {
    if (this.node.tryFindChild('Snapshots')) return;
    const chart = TeamModels.find(this, 'TeamDags');
    const labels = standardLabels({ name: 'airflow-dags', instance: this.team, component: 'snapshots', team: this.team });
    const name = 'modelplane-airflow-snapshots';
    new k8s.KubeRole(this, 'Snapshots', {
      metadata: { name, namespace: this.team, labels },
      rules: [{ apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['create', 'get'] }],
    });
    new k8s.KubeRoleBinding(this, 'SnapshotsBinding', {
      metadata: { name, namespace: this.team, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [
        { kind: 'ServiceAccount', name: chart.platform.airflow.workerServiceAccount, namespace: chart.platform.airflow.namespace },
      ],
    });
  }

  /**
   * Adds a DAG file. File names are unique per team (they are DAG ids plus `.py`). The source may be a
   * function, called when the ConfigMap and the files are written (synth time): for DAGs that read what
   * constructs created later give.
   */
  public addFile(fileName: string, source: DagSource, owner: string): void {
    const prev = this.files.get(fileName);
    if (prev && prev.owner !== owner) {
      throw new Error(
        `${owner}: the DAG file "${fileName}" is already generated by ${prev.owner} in team "${this.team}". Fix: give the cascade or model another name.`,
      );
    }
    this.files.set(fileName, { source, owner });
  }

  /** File name to source, sorted by name, plus the `.airflowignore` that hides kubelet's `..data` dirs. */
  public data(): Record<string, string> {
    const out: Record<string, string> = { [AIRFLOW_IGNORE_FILE]: AIRFLOW_IGNORE };
    for (const name of [...this.files.keys()].sort()) out[name] = sourceText(this.files.get(name)!.source);
    return out;
  }

  /** The rollout Role's rules: per kind, the names every grant's patches give, sorted. */
  private rolloutRules(): k8s.PolicyRule[] {
    const names = { Deployment: new Set<string>(), InferenceService: new Set<string>() };
    for (const source of this.rolloutSources) for (const p of orNothing(source, [])) names[p.kind].add(p.name);
    const rules: k8s.PolicyRule[] = [];
    const rule = (apiGroup: string, resource: string, of: Set<string>) =>
      of.size > 0 && rules.push({ apiGroups: [apiGroup], resources: [resource], verbs: ['get', 'patch'], resourceNames: [...of].sort() });
    rule('apps', 'deployments', names.Deployment);
    rule('serving.kserve.io', 'inferenceservices', names.InferenceService);
    return rules;
  }

  /** The Role and RoleBinding of {@link grantRollout}. */
  private renderRolloutRole(): void {
    const chart = TeamModels.find(this, 'TeamDags');
    const labels = standardLabels({ name: 'airflow-dags', instance: this.team, component: 'rollout', team: this.team });
    const name = 'modelplane-airflow-rollout';
    new k8s.KubeRole(this, 'Rollout', {
      metadata: { name, namespace: this.team, labels },
      rules: Lazy.any({ produce: () => this.rolloutRules() }) as unknown as k8s.PolicyRule[],
    });
    new k8s.KubeRoleBinding(this, 'RolloutBinding', {
      metadata: { name, namespace: this.team, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [
        { kind: 'ServiceAccount', name: chart.platform.airflow.workerServiceAccount, namespace: chart.platform.airflow.namespace },
      ],
    });
  }

  private sizeProblems(): string[] {
    // A DAG source that throws has problems its owner's validation reports; it counts for nothing here.
    const files: Record<string, string> = { [AIRFLOW_IGNORE_FILE]: AIRFLOW_IGNORE };
    for (const [name, f] of this.files) files[name] = orNothing(() => sourceText(f.source), '');
    const bytes = Object.entries(files).reduce((n, [k, val]) => n + Buffer.byteLength(k) + Buffer.byteLength(val), 0);
    return bytes > MAX_DAG_CONFIGMAP_BYTES
      ? [
          `TeamDags "${this.team}": the team's generated DAG files total ${bytes} bytes, more than the ${MAX_DAG_CONFIGMAP_BYTES} bytes one ConfigMap can carry. Fix: split the team's cascades across teams, or deliver DAGs with git-sync (dags.gitSync in the Airflow chart values) from dist/dags/.`,
        ]
      : [];
  }
}

/** A DAG file's source: its text, or a function giving it at synth time. */
export type DagSource = string | (() => string);

/** The text of a source. */
function sourceText(source: DagSource): string {
  return typeof source === 'string' ? source : source();
}

/** What `f` returns, or `otherwise` when it throws. */
function orNothing<T>(f: () => T, otherwise: T): T {
  try {
    return f();
  } catch {
    return otherwise;
  }
}

/**
 * Writes every team's DAG files to `<outdir>/dags/` when `App.synth()` succeeded (after cdk8s wrote the
 * charts), in sorted order. One per App. DAG files an earlier synth wrote and this one does not are
 * removed by {@link recordSynthOutput} — only those the previous output manifest lists with an unchanged
 * hash; a DAG file the tool did not write, or one edited since, is never removed.
 */
class DagFileWriter extends Construct {
  public static of(scope: Construct): DagFileWriter {
    const app = scope.node.root;
    const existing = app.node.tryFindChild(DagFileWriter.ID);
    return existing instanceof DagFileWriter ? existing : new DagFileWriter(app, DagFileWriter.ID);
  }

  private static readonly ID = 'modelplane-dag-files';

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    if (scope instanceof App) recordSynthOutput(scope, (outdir) => this.write(outdir));
  }

  /** Writes the files; returns them relative to `outdir`. */
  private write(outdir: string): string[] {
    const files: Record<string, string> = {};
    for (const c of this.node.root.node.findAll()) {
      if (c instanceof TeamDags) Object.assign(files, c.data());
    }
    const dir = path.join(outdir, DAGS_OUTDIR);
    fs.mkdirSync(dir, { recursive: true });
    const names = Object.keys(files).sort();
    for (const name of names) fs.writeFileSync(path.join(dir, name), files[name]);
    return names.map((name) => `${DAGS_OUTDIR}/${name}`);
  }
}
