/**
 * The platform as one Pulumi component resource: every Helm release, ConfigGroup and Secret of a
 * deployment is its child, so `pulumi preview` shows one `modelplane:index:Platform` with the
 * platform underneath. The component is thin; the work is in free functions: its inputs are
 * checked (every problem at once) and the construct tree planned before anything is registered.
 */
import * as pulumi from '@pulumi/pulumi';
import * as kubernetes from '@pulumi/kubernetes';
import type { App } from 'cdk8s';
import { Platform } from '../../constructs/platform/platform';
import { Validator } from '../../core/errors';
import { isRecord } from '../../core/records';
import { dnsSubdomainProblem } from '../../core/validate';
import { deployPlan, DeployedApp } from './deploy';
import { DeploymentPlan, planDeployment } from './plan';

/** The type token of {@link ModelplaneDeployment}. */
export const PLATFORM_TYPE = 'modelplane:index:Platform';

/** Secret data to create: Secret name → key → value (keep the values Pulumi secrets). */
export type SecretData = Readonly<Record<string, Readonly<Record<string, pulumi.Input<string>>>>>;

/** Arguments of a {@link ModelplaneDeployment}. */
export interface ModelplaneDeploymentArgs {
  /** The platform to deploy; the other charts of its App (the teams' models) are deployed with it. */
  readonly platform: Platform;
  /**
   * The Kubernetes provider of every child. @default - the provider the component's options give
   * its children, else the ambient kubeconfig
   */
  readonly provider?: kubernetes.Provider;
  /** Install the platform's operators, and the teams' JupyterHubs after their teams' objects, as Helm releases. @default true */
  readonly installOperators?: boolean;
  /** Do not wait for workloads to become ready (clusters without nodes or controllers). @default false */
  readonly skipAwait?: boolean;
  /**
   * Secrets to create in the platform namespace, after the namespace and before the platform's
   * workloads that read them (e.g. MLflow's database URI from stack config). @default {}
   */
  readonly secrets?: SecretData;
}

/**
 * A modelplane platform deployed with Pulumi: the operators as Helm releases, then the platform,
 * team and models charts as ConfigGroups, tier after tier, and the given Secrets; all children of
 * this component.
 *
 * @example
 * const { platform } = buildPlatform(new App(), config);
 * new ModelplaneDeployment('modelplane', { platform, provider, secrets: { 'mlflow-db': { uri } } });
 */
export class ModelplaneDeployment extends pulumi.ComponentResource {
  /** The plan that was deployed. */
  public readonly plan: DeploymentPlan;
  /** Helm releases by release name. */
  public readonly releases: DeployedApp['releases'];
  /** ConfigGroups by chart id (and `<chart>-namespaces` for the platform when it has Secrets). */
  public readonly groups: DeployedApp['groups'];
  /** The Secrets created from {@link ModelplaneDeploymentArgs.secrets}, by name. */
  public readonly secrets: Readonly<Record<string, kubernetes.core.v1.Secret>>;
  /** MLflow's in-cluster tracking URI. */
  public readonly mlflowTrackingUri: string;

  constructor(name: string, args: ModelplaneDeploymentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Checked and planned before super(): an invalid deployment registers nothing.
    const plan = planPlatformDeployment(name, args);
    super(PLATFORM_TYPE, name, {}, opts);
    const deployed = deployPlatform(this, plan, args);
    this.plan = deployed.plan;
    this.releases = deployed.releases;
    this.groups = deployed.groups;
    this.secrets = deployed.secrets;
    this.mlflowTrackingUri = args.platform.context.mlflowTrackingUri;
    this.registerOutputs({
      mlflowTrackingUri: this.mlflowTrackingUri,
      releases: Object.keys(this.releases),
      groups: Object.keys(this.groups),
    });
  }
}

/**
 * Checks a deployment's arguments, collecting every problem (thrown together as one
 * ModelplaneValidationError), then plans it (which runs the constructs' synth-time validations).
 */
export function planPlatformDeployment(name: string, args: ModelplaneDeploymentArgs): DeploymentPlan {
  const v = new Validator('ModelplaneDeployment', name);
  const platform = args?.platform;
  v.check(
    platform instanceof Platform,
    'platform',
    platform?.node?.id,
    'is not a Platform construct',
    'pass the Platform built for the stack',
  );
  for (const key of ['installOperators', 'skipAwait'] as const) {
    const value = args?.[key];
    v.check(value === undefined || typeof value === 'boolean', key, value, 'must be true or false', `set ${key} to true or false`);
  }
  checkSecrets(v, args?.secrets ?? {});
  v.done();
  const app = platform.node.root as App;
  const install = args.installOperators ?? true;
  return planDeployment(app, install ? platform.operators : [], install ? platform.teamReleases : []);
}

function checkSecrets(v: Validator, secrets: SecretData): void {
  if (
    !v.check(isRecord(secrets), 'secrets', typeof secrets, 'must be a map of Secret names to their data', 'write { name: { key: value } }')
  )
    return;
  for (const [name, data] of Object.entries(secrets)) {
    const problem = dnsSubdomainProblem(name);
    v.check(problem === undefined, `secrets["${name}"]`, name, `is not a Secret name: it ${problem ?? ''}`, 'use e.g. "mlflow-db"');
    const keys = isRecord(data) ? Object.keys(data) : [];
    v.check(keys.length > 0, `secrets["${name}"]`, keys, 'must hold at least one key', 'give the Secret its keys, e.g. { uri: ... }');
    for (const key of keys) {
      v.check(/^[-._a-zA-Z0-9]+$/.test(key), `secrets["${name}"]`, key, 'is not a Secret key', 'use letters, digits, "-", "_" and "."');
    }
  }
}

/** Creates the children of `parent`: the plan's releases and groups, and the Secrets before the platform's objects. */
export function deployPlatform(
  parent: pulumi.ComponentResource,
  plan: DeploymentPlan,
  args: ModelplaneDeploymentArgs,
): DeployedApp & { secrets: Record<string, kubernetes.core.v1.Secret> } {
  const secrets: Record<string, kubernetes.core.v1.Secret> = {};
  const namespace = args.platform.context.platformNamespace;
  const createSecrets = (dependsOn: pulumi.Resource[]) =>
    Object.entries(args.secrets ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, data]) => {
        secrets[name] = new kubernetes.core.v1.Secret(
          name,
          { metadata: { name, namespace }, type: 'Opaque', stringData: data },
          { provider: args.provider, dependsOn, parent, aliases: [{ parent: pulumi.rootStackResource }] },
        );
        return secrets[name];
      });
  const hasSecrets = Object.keys(args.secrets ?? {}).length > 0;
  const deployed = deployPlan(plan, {
    provider: args.provider,
    skipAwait: args.skipAwait,
    parent,
    beforeObjects: hasSecrets ? { [args.platform.node.id]: createSecrets } : {},
  });
  return { ...deployed, secrets };
}
