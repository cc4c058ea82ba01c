import { ApiObject, App, Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformContext } from '../../core/context';
import { helmValuesReferences, IObjectProvider, ObjectReference, Prerequisite, ProvidedObject } from '../../core/references';
import { addReferenceCheck } from '../reference-check';
import { formatIssue, orThrow } from '../../core/errors';
import { LABELS, standardLabels } from '../../core/labels';
import { podSecurityLabels } from '../../core/security';
import { GpuNodePool } from '../gpu-node-pool';
import { MlflowServer } from '../mlflow/mlflow-server';
import { renderBootstrapTeamAccess, SecretBootstrap } from '../mlflow/secret-bootstrap';
import { teamQuotaIssues } from '../quota';
import { TeamModels } from '../team-models';
import { TeamSpace } from '../team-space';
import { workspaceReferences } from '../workspace/workspace-objects';
import { TeamChart, TieredChart } from '../tiered-chart';
import { Keycloak } from '../sso/keycloak';
import { MlflowProxy } from '../sso/mlflow-proxy';
import { ENVOY_GATEWAY_CONTROLLER, HelmChartRef, kserveStorageContainer } from './operators';
import { PlatformProps, ResolvedPlatform, resolvePlatform } from './platform-resolve';

export * from './platform-resolve';

/**
 * The whole ML platform in one construct: the platform namespace, MLflow with its stores, GPU pools,
 * one chart per team workspace, and the operators the models need as pinned Helm chart references
 * (installed by the Pulumi program; see the README for cdk8s-only installs).
 *
 * Create it directly under the App: team charts are created beside it. Invalid props of the platform
 * or of any of its parts create nothing: every problem is reported at once.
 */
export class Platform extends TieredChart implements IObjectProvider {
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
  /**
   * The teams' own Helm releases (each team's JupyterHub), in team order: installed after the output is
   * applied, since they use the ServiceAccounts and Roles of the teams' files (`modelplane operators --workspaces`).
   */
  public readonly teamReleases: readonly HelmChartRef[];
  /** The enabled add-ons by name (the keys of `operators` in the platform file), each with its charts, in installation order. */
  public readonly addOns: readonly { readonly name: string; readonly charts: readonly HelmChartRef[] }[];
  /**
   * What the operator provides before applying the output: the declared prerequisites, then those the
   * platform needs until something creates them in-cluster (each team's object-store Secret).
   */
  public readonly prerequisites: readonly Prerequisite[];
  private readonly operatorObjects: readonly ProvidedObject[];
  private readonly teamCharts = new Map<string, Chart>();
  private readonly modelCharts = new Map<string, TeamModels>();

  constructor(scope: Construct, id = 'platform', props: PlatformProps = {}) {
    if (!(scope instanceof App)) {
      throw new Error(
        `Platform "${id}": its scope must be the cdk8s App, because team charts are created beside it. Fix: new Platform(app, '${id}', ...).`,
      );
    }
    const spec = orThrow(resolvePlatform(id, props));
    super(scope, id, 'platform', { ...props, disableResourceNameHashes: true });
    const namespace = renderNamespace(this, spec.namespace);
    this.gpuPools = new Map(spec.gpuPools.map((p) => [p.name, new GpuNodePool(this, `gpu-${p.name}`, p)]));
    this.mlflow = new MlflowServer(this, 'mlflow', spec.mlflow);
    if (spec.generatedSecrets.length > 0)
      new SecretBootstrap(this, 'secret-bootstrap', {
        namespace: spec.namespace,
        secrets: spec.generatedSecrets,
        apiServer: spec.context.apiServer,
        ...(spec.objectStore ? { objectStore: spec.objectStore } : {}),
      });
    if (spec.keycloak) new Keycloak(this, 'keycloak', spec.keycloak);
    if (spec.mlflowProxy) new MlflowProxy(this, 'mlflow-proxy', spec.mlflowProxy);
    this.context = spec.context;
    // Every namespaced object of this chart waits for the namespace.
    for (const child of this.node.findAll()) {
      if (child instanceof ApiObject && child !== namespace && child.metadata.namespace === spec.namespace) child.addDependency(namespace);
    }
    const airflowNamespace = spec.airflowNamespace ? renderOperatorNamespace(this, spec.airflowNamespace) : undefined;
    if (airflowNamespace) renderSsoSecretAccess(this, spec, spec.namespace, airflowNamespace);
    if (spec.gateway) renderGateway(this, spec.namespace, namespace);
    // KServe's storage initializer, restricted, in place of the kserve-resources chart's (turned off in its values).
    if (spec.kserveVersion) new ApiObject(this, 'KServeStorageContainer', kserveStorageContainer(spec.kserveVersion));
    this.teams = this.renderTeams(scope, spec);
    this.teamReleases = [...this.teams.values()].flatMap((t) => t.releases);
    this.operators = spec.operators;
    this.addOns = spec.addOns;
    this.prerequisites = spec.prerequisites;
    this.operatorObjects = spec.operatorObjects;
    // Every reference of every chart of the App resolves, or synth fails before anything is written.
    addReferenceCheck(
      scope,
      this,
      () => this.prerequisites,
      () => this.helmValuesReferences(),
    );
  }

  /** The CRDs and objects the platform's operators create (found by the reference check through {@link IObjectProvider}). */
  public providedObjects(): readonly ProvidedObject[] {
    return this.operatorObjects;
  }

  /** The references the operators' computed Helm values hold (e.g. Airflow's DAG ConfigMap mounts). */
  public helmValuesReferences(): ObjectReference[] {
    return [
      ...this.operators.flatMap((r) => helmValuesReferences({ namespace: r.namespace, name: r.releaseName }, r.values)),
      ...[...this.teams.values()].flatMap((t) => (t.workspace ? workspaceReferences(t.workspace, t.releases[0]) : [])),
    ];
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

  /**
   * The models chart of `team`, created on first use, deployed after the team's workspace. At synth its
   * models, each at its most, must fit the team's quota (see constructs/quota.ts for what is counted).
   */
  public models(team: string): TeamModels {
    const existing = this.modelCharts.get(team);
    if (existing) return existing;
    const teamChart = this.teamChart(team);
    const chart = new TeamModels(this.node.scope as App, team, { platform: this.teams.get(team)!.context });
    chart.addDependency(teamChart);
    const quota = this.teams.get(team)!.quota;
    const quotaField = `teams[${[...this.teams.keys()].indexOf(team)}].quota`;
    chart.node.addValidation({ validate: () => teamQuotaIssues(team, chart.quotaDemands(), quota, quotaField).map(formatIssue) });
    this.modelCharts.set(team, chart);
    return chart;
  }

  /** One chart per team beside the platform (tier `team`), deployed after it. */
  private renderTeams(app: App, spec: ResolvedPlatform): Map<string, TeamSpace> {
    const spaces = new Map<string, TeamSpace>();
    for (const t of spec.teams) {
      const chart = new TeamChart(app, `team-${t.name}`, { disableResourceNameHashes: true });
      chart.addDependency(this);
      spaces.set(t.name, new TeamSpace(chart, t.name, t));
      // The embedded object store and single sign-on: the bootstrap Job creates the team's Secrets in its namespace.
      const provisioned = spec.objectStore?.teams.find((p) => p.name === t.name);
      const sso = ssoSecretsIn(spec, t.name);
      if (provisioned || sso.length > 0) {
        const space = spaces.get(t.name)!;
        const access = renderBootstrapTeamAccess(space, {
          namespace: t.name,
          ...(provisioned ? { secretName: provisioned.secretName } : {}),
          moreSecretNames: sso,
          bootstrapNamespace: spec.namespace,
        });
        for (const obj of access) obj.addDependency(space.namespaceObject);
      }
      this.teamCharts.set(t.name, chart);
    }
    return spaces;
  }
}

/** The names of the single sign-on Secrets the bootstrap Job creates in `namespace`. */
function ssoSecretsIn(spec: ResolvedPlatform, namespace: string): string[] {
  const names = new Set(spec.keycloak?.clients.map((c) => `modelplane-sso-${c.application}`) ?? []);
  return spec.generatedSecrets.filter((s) => s.namespace === namespace && names.has(s.name)).map((s) => s.name);
}

/** The bootstrap's Role in Airflow's namespace, where it creates the Airflow UI's client Secret. */
function renderSsoSecretAccess(scope: Construct, spec: ResolvedPlatform, bootstrapNamespace: string, namespace: ApiObject): void {
  const airflow = spec.airflowNamespace;
  if (!airflow || airflow === bootstrapNamespace) return;
  const names = ssoSecretsIn(spec, airflow);
  if (names.length === 0) return;
  const scoped = new Construct(scope, 'sso-airflow-access');
  for (const obj of renderBootstrapTeamAccess(scoped, { namespace: airflow, moreSecretNames: names, bootstrapNamespace }))
    obj.addDependency(namespace);
}

/** The platform namespace (restricted Pod Security) and its default-deny NetworkPolicy. */
function renderNamespace(scope: Construct, ns: string): ApiObject {
  const labels = (component: string) => standardLabels({ name: 'modelplane', instance: ns, component });
  const namespace = new k8s.KubeNamespace(scope, 'Namespace', {
    metadata: { name: ns, labels: { ...labels('platform-namespace'), [LABELS.platform]: 'true', ...podSecurityLabels() } },
  });
  new k8s.KubeNetworkPolicy(scope, 'DefaultDeny', {
    metadata: { name: 'default-deny', namespace: ns, labels: labels('network-policy') },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  return namespace;
}

/**
 * A namespace the output writes into that an operator's chart lives in (Airflow's: the teams' DAG
 * ConfigMaps go there), created by the output with restricted Pod Security so `kubectl apply` of the
 * output needs no step by hand. No default-deny policy: the chart's own pods need their traffic.
 */
function renderOperatorNamespace(scope: Construct, ns: string): ApiObject {
  return new k8s.KubeNamespace(scope, `Namespace-${ns}`, {
    metadata: {
      name: ns,
      labels: { ...standardLabels({ name: 'modelplane', instance: ns, component: 'operator-namespace' }), ...podSecurityLabels() },
    },
  });
}

/**
 * The GatewayClass `modelplane` (Envoy Gateway's controller) and the Gateway `<ns>/modelplane` that the
 * HTTPRoutes of deployment- and kserve-backend models attach to: one HTTP listener, routes only from team namespaces.
 */
function renderGateway(scope: Construct, ns: string, namespace: ApiObject): void {
  const labels = (component: string) => standardLabels({ name: 'modelplane', instance: ns, component });
  new ApiObject(scope, 'GatewayClass', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'modelplane', labels: labels('gateway-class') },
    spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
  });
  const gw = new ApiObject(scope, 'Gateway', {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'modelplane', namespace: ns, labels: labels('gateway') },
    spec: {
      gatewayClassName: 'modelplane',
      listeners: [
        {
          name: 'http',
          protocol: 'HTTP',
          port: 80,
          allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: LABELS.team, operator: 'Exists' }] } } },
        },
      ],
    },
  });
  gw.addDependency(namespace);
}
