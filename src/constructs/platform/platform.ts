import { ApiObject, App, Chart, ChartProps } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { platformContext, PlatformContext } from '../../core/context';
import { Validator } from '../../core/errors';
import { LABELS, standardLabels } from '../../core/labels';
import { HelmChartRef, OPERATOR_DEFAULTS, OperatorName, OperatorOverrides, resolveOperator } from './operators';
import { checkName } from '../../core/validate';
import { duplicates, isRecord } from '../../core/records';
import { GpuNodePool, GpuNodePoolProps } from '../gpu-node-pool';
import { MlflowServer, MlflowServerProps } from '../mlflow/mlflow-server';
import { SecretBootstrap } from '../mlflow/secret-bootstrap';
import { airflowDagValues } from '../batch/team-dags';
import { TeamModels } from '../team-models';
import { TeamChart, TieredChart } from '../tiered-chart';
import { TeamSpace, TeamSpaceProps } from '../team-space';

/** A team of the platform. */
export type PlatformTeamProps = Omit<TeamSpaceProps, 'platform'>;

/** A GPU pool of the platform; `name` is required here. */
export interface PlatformGpuPoolProps extends GpuNodePoolProps {
  /** Pool name. */
  readonly name: string;
}

/** Which operators to install, and how. Each merges over modelplane's pinned defaults. */
export interface PlatformOperators {
  /** Kubeflow Spark Operator. @default enabled */
  readonly sparkOperator?: OperatorOverrides;
  /** Apache Airflow (official chart). @default enabled */
  readonly airflow?: OperatorOverrides;
  /** KServe in Standard mode (with its CRD chart). @default enabled */
  readonly kserve?: OperatorOverrides;
  /** Seldon Core v1, pinned to 1.17.1 (the last Apache-2.0 release). @default disabled */
  readonly seldonCore?: OperatorOverrides;
  /** KEDA. @default enabled */
  readonly keda?: OperatorOverrides;
  /** kube-prometheus-stack. @default disabled */
  readonly prometheus?: OperatorOverrides;
}

/** Properties of a {@link Platform}. */
export interface PlatformProps extends ChartProps {
  /** Namespace of the platform's own services. @default "modelplane-system" */
  readonly platformNamespace?: string;
  /** The MLflow server. @default - in-cluster PostgreSQL and MinIO, 2 replicas */
  readonly mlflow?: Omit<MlflowServerProps, 'namespace'>;
  /** Teams. Each gets a namespace and its own chart `team-<name>`. @default [] */
  readonly teams?: readonly PlatformTeamProps[];
  /** GPU node pools. @default [] */
  readonly gpuPools?: readonly PlatformGpuPoolProps[];
  /** Operators. @default - see {@link PlatformOperators} */
  readonly operators?: PlatformOperators;
  /** Namespace of Prometheus. @default "monitoring" */
  readonly monitoringNamespace?: string;
}

const OPERATOR_ENABLED_BY_DEFAULT: Record<keyof PlatformOperators, boolean> = {
  sparkOperator: true,
  airflow: true,
  kserve: true,
  seldonCore: false,
  keda: true,
  prometheus: false,
};

/**
 * The whole ML platform in one construct: the platform namespace, MLflow with its stores, GPU pools,
 * one chart per team workspace, and the operators the models need as pinned Helm chart references
 * (installed by the Pulumi program; see the README for cdk8s-only installs).
 *
 * Create it directly under the App: team charts are created beside it.
 */
export class Platform extends TieredChart {
  /** Facts model workloads need. */
  public readonly context: PlatformContext;
  /** The MLflow server. */
  public readonly mlflow: MlflowServer;
  /** GPU pools by name. */
  public readonly gpuPools: ReadonlyMap<string, GpuNodePool>;
  /** Team workspaces by name. */
  public readonly teams: ReadonlyMap<string, TeamSpace>;
  /** Operators to install, in installation order. */
  public readonly operators: readonly HelmChartRef[];
  private readonly teamCharts = new Map<string, Chart>();
  private readonly modelCharts = new Map<string, TeamModels>();

  constructor(scope: Construct, id = 'platform', props: PlatformProps = {}) {
    if (!(scope instanceof App)) {
      throw new Error(
        `Platform "${id}": its scope must be the cdk8s App, because team charts are created beside it. Fix: new Platform(app, '${id}', ...).`,
      );
    }
    const v = new Validator('Platform', id);
    const ns = props.platformNamespace ?? 'modelplane-system';
    checkName(v, 'platformNamespace', ns);
    // YAML and JavaScript callers can pass any shape: check the lists before reading them.
    const listOk = (field: string, value: unknown, fix: string) =>
      v.check(Array.isArray(value) && value.every(isRecord), field, value, 'must be a list of objects', fix);
    const teams = listOk('teams', props.teams ?? [], 'write teams: [{ name: "risk" }]') ? (props.teams ?? []) : [];
    const teamNames = teams.map((t) => t.name);
    // Team names are namespaces: checked here so the error names the team's entry.
    teamNames.forEach((t, i) => checkName(v, `teams[${i}].name`, t, 40));
    for (const d of duplicates(teamNames))
      v.fail('teams', d, 'names the same team twice', 'give each team one entry; merge their settings');
    const ops = props.operators ?? {};
    const monitoringNs = props.monitoringNamespace ?? 'monitoring';
    if (props.monitoringNamespace !== undefined) checkName(v, 'monitoringNamespace', props.monitoringNamespace);
    // A team namespace gets default-deny policies and restricted Pod Security: it must never be the
    // namespace of the platform, an operator, or Kubernetes itself.
    const operatorNamespaces = (Object.keys(OPERATOR_ENABLED_BY_DEFAULT) as (keyof PlatformOperators)[]).flatMap((key) =>
      (key === 'kserve' ? (['kserve', 'kserveCrd'] as const) : ([key] as const)).map(
        (c) => ops[key]?.namespace ?? OPERATOR_DEFAULTS[c].namespace,
      ),
    );
    const reserved = new Set([ns, 'default', 'kube-system', 'kube-public', 'kube-node-lease', monitoringNs, ...operatorNamespaces]);
    teamNames.forEach((t, i) =>
      v.check(
        !reserved.has(t),
        `teams[${i}].name`,
        t,
        'is a namespace of Kubernetes, the platform or an operator',
        `choose another team name (reserved: ${[...reserved].sort().join(', ')})`,
      ),
    );
    const pools = listOk('gpuPools', props.gpuPools ?? [], 'write gpuPools: [{ name: "gpu" }]') ? (props.gpuPools ?? []) : [];
    pools.forEach((p, i) => checkName(v, `gpuPools[${i}].name`, p.name, 50));
    for (const d of duplicates(pools.map((p) => p.name)))
      v.fail('gpuPools', d, 'names the same GPU pool twice', 'give each pool a unique name');
    for (const [key, o] of Object.entries(ops) as [string, OperatorOverrides | undefined][]) {
      if (
        !v.check(
          key in OPERATOR_ENABLED_BY_DEFAULT,
          `operators.${key}`,
          key,
          'is not an operator modelplane installs',
          `use one of ${Object.keys(OPERATOR_ENABLED_BY_DEFAULT).join(', ')}`,
        )
      )
        continue;
      if (o?.version !== undefined) {
        v.check(
          typeof o.version === 'string' && /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(o.version),
          `operators.${key}.version`,
          o.version,
          'is not an exact chart version (ranges and partial versions change under you)',
          'pin an exact version such as "2.5.2"',
        );
      }
      if (o?.namespace !== undefined) checkName(v, `operators.${key}.namespace`, o.namespace);
      if (o?.values !== undefined)
        v.check(isRecord(o.values), `operators.${key}.values`, o.values, 'must be a map of Helm values', 'write e.g. { replicas: 2 }');
    }
    v.done();

    super(scope, id, 'platform', { ...props, disableResourceNameHashes: true });

    const airflowNs = ops.airflow?.namespace ?? 'airflow';
    const nsObj = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: ns,
        labels: {
          ...standardLabels({ name: 'modelplane', instance: ns, component: 'platform-namespace' }),
          [LABELS.platform]: 'true',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.28',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.28',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.28',
        },
      },
    });

    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: {
        name: 'default-deny',
        namespace: ns,
        labels: standardLabels({ name: 'modelplane', instance: ns, component: 'network-policy' }),
      },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    const gpuPools = new Map<string, GpuNodePool>();
    for (const p of pools) gpuPools.set(p.name, new GpuNodePool(this, `gpu-${p.name}`, p));
    this.gpuPools = gpuPools;

    this.mlflow = new MlflowServer(this, 'mlflow', {
      ...(props.mlflow ?? {}),
      namespace: ns,
      clientNamespaces: [airflowNs, ...(props.mlflow?.clientNamespaces ?? [])],
      monitoringNamespace: props.monitoringNamespace ?? 'monitoring',
    });
    const generated = [];
    if (this.mlflow.postgres) generated.push({ name: this.mlflow.postgres.passwordSecret.name, keys: ['password'] });
    if (this.mlflow.minio) generated.push({ name: this.mlflow.minio.rootUserSecret.name, keys: ['root-user=modelplane', 'root-password'] });
    if (generated.length > 0) new SecretBootstrap(this, 'secret-bootstrap', { namespace: ns, secrets: generated });

    this.context = platformContext({
      platformNamespace: ns,
      mlflowTrackingUri: this.mlflow.trackingUri,
      mlflowPodLabels: this.mlflow.podLabels,
      objectStore: this.mlflow.minio
        ? { endpoint: this.mlflow.minio.endpoint }
        : { endpoint: props.mlflow?.artifactStore?.s3?.endpoint, region: props.mlflow?.artifactStore?.s3?.region },
      airflow: { namespace: airflowNs },
      monitoringNamespace: props.monitoringNamespace ?? 'monitoring',
      gpuPools: [...gpuPools.values()].map((p) => p.spec),
    });

    // Every namespaced object of this chart waits for the namespace.
    for (const child of this.node.findAll()) {
      if (child instanceof ApiObject && child !== nsObj && child.metadata.namespace === ns) child.addDependency(nsObj);
    }

    const teamSpaces = new Map<string, TeamSpace>();
    for (const t of teams) {
      const chart = new TeamChart(scope, `team-${t.name}`, { disableResourceNameHashes: true });
      chart.addDependency(this);
      teamSpaces.set(t.name, new TeamSpace(chart, t.name, { ...t, platform: this.context }));
      this.teamCharts.set(t.name, chart);
    }
    this.teams = teamSpaces;

    const teamNs = [...teamSpaces.keys()].sort();
    const computed: Partial<Record<OperatorName, Record<string, unknown>>> = {
      sparkOperator: { spark: { jobNamespaces: teamNs } },
      keda: { watchNamespace: '' },
      // Generated DAGs reach Airflow through each team's DAG ConfigMap (see TeamDags).
      airflow: airflowDagValues(teamNs, this.context),
    };
    const order: Array<[keyof PlatformOperators, OperatorName[]]> = [
      ['prometheus', ['prometheus']],
      ['keda', ['keda']],
      ['sparkOperator', ['sparkOperator']],
      ['kserve', ['kserveCrd', 'kserve']],
      ['seldonCore', ['seldonCore']],
      ['airflow', ['airflow']],
    ];
    const refs: HelmChartRef[] = [];
    for (const [key, charts] of order) {
      const o = ops[key] ?? {};
      if (!(o.enabled ?? OPERATOR_ENABLED_BY_DEFAULT[key])) continue;
      for (const c of charts) refs.push(resolveOperator(c, computed[c] ?? {}, c === 'kserveCrd' ? { version: o.version } : o));
    }
    this.operators = refs;
  }

  /** The team chart (namespace, quota, policies, RBAC) of `team`. */
  public teamChart(team: string): Chart {
    const c = this.teamCharts.get(team);
    if (!c)
      throw new Error(
        `Platform "${this.node.id}": team "${team}" is not defined. Fix: add { name: "${team}" } to \`teams\`; defined teams: ${[...this.teamCharts.keys()].join(', ') || 'none'}.`,
      );
    return c;
  }

  /** The models chart of `team`, created on first use, deployed after the team's workspace. */
  public models(team: string): TeamModels {
    const existing = this.modelCharts.get(team);
    if (existing) return existing;
    const teamChart = this.teamChart(team);
    const chart = new TeamModels(this.node.scope as App, team, { platform: this.context });
    chart.addDependency(teamChart);
    this.modelCharts.set(team, chart);
    return chart;
  }
}
