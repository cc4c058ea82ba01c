/**
 * The Pulumi program's logic (entry point: stacks/pulumi-main.ts): the same builder as the cdk8s app,
 * deployed as one `ModelplaneDeployment` component. Stack configuration (all optional):
 *
 * - `modelplane:platform` (object): a platform configuration (teams, gpuPools, mlflow, operators, ...,
 *   and `examples`), checked against schema/platform.schema.json and by the constructs like a
 *   `--platform` file; every problem is named by its key, e.g. `modelplane:platform.teams[0].quota`.
 * - `modelplane:installOperators` (bool, default true): install the operators' Helm charts.
 * - `modelplane:skipAwait` (bool, default false): do not wait for readiness (clusters without nodes).
 * - `modelplane:databaseUri` (secret): an external MLflow database URI; stored in Secret `mlflow-db`.
 * - `modelplane:s3AccessKeyId`, `modelplane:s3SecretAccessKey` (secrets): S3 credentials for an
 *   external artifact store; stored in Secret `mlflow-s3`.
 * - `kubernetes:kubeconfig` / `kubernetes:context`: the usual provider settings.
 */
import * as pulumi from '@pulumi/pulumi';
import * as kubernetes from '@pulumi/kubernetes';
import { App } from 'cdk8s';
import type { MlflowServerProps } from '../src/constructs/mlflow/mlflow-server';
import { LoadedPlatform, loadPlatformData } from '../src/frontends/config/platform-load';
import { ModelplaneDeployment } from '../src/frontends/pulumi/component';
import { PLATFORM_CONFIG_KEY, platformConfigLocator, StackConfigError, stackProblem } from '../src/frontends/pulumi/stack-config';
import { APP_LOAD_OPTIONS, buildAppPlatform, defaultConfig, ModelplaneConfig } from './build';

/** The MLflow settings of a platform configuration. */
type MlflowConfig = Omit<MlflowServerProps, 'namespace'>;

/** Secrets to create, by Secret name and key. */
type StackSecrets = Record<string, Record<string, pulumi.Output<string>>>;

/** How the stack's platform configuration is loaded: with the app settings, its top level named by its key. */
const STACK_LOAD = { ...APP_LOAD_OPTIONS, topLevel: `\`${PLATFORM_CONFIG_KEY}\`` };

/** The stack configuration as read: the platform configuration (with the Secrets' references), the Secrets, and the problems of the secret settings. */
interface StackConfig {
  /** The `modelplane:platform` object, checked against the schema, MLflow wired to the Secrets. */
  readonly loaded: LoadedPlatform;
  /** The Secrets to create. */
  readonly secrets: StackSecrets;
  /** Problems of the secret settings (the platform's are in `loaded`). */
  readonly problems: readonly string[];
}

/** Reads the stack configuration; collects its problems instead of throwing. */
function readStackConfig(cfg: pulumi.Config): StackConfig {
  const loaded = loadPlatformData(cfg.getObject<unknown>('platform') ?? defaultConfig(), platformConfigLocator(), STACK_LOAD);
  const secrets: StackSecrets = {};
  const problems: string[] = [];
  let mlflow = databaseSecret(cfg, loaded.props?.mlflow ?? {}, secrets);
  mlflow = s3Secret(cfg, mlflow, secrets, problems);
  return { loaded: loaded.props ? { ...loaded, props: { ...loaded.props, mlflow } } : loaded, secrets, problems };
}

/**
 * Turns stack configuration into a platform configuration plus the Secrets the program must create.
 * Throws one {@link StackConfigError} listing every problem of the configuration's structure and
 * secret settings (the constructs check the values when the program builds the platform).
 */
export function configFromStack(cfg: pulumi.Config): { config: ModelplaneConfig; secrets: StackSecrets } {
  const { loaded, secrets, problems } = readStackConfig(cfg);
  const all = [...loaded.issues.map((located) => stackProblem({ located })), ...problems];
  if (all.length > 0) throw new StackConfigError(all);
  return { config: { ...loaded.props, ...loaded.settings }, secrets };
}

/** `modelplane:databaseUri`: Secret `mlflow-db`, read by MLflow as its external backend store. */
function databaseSecret(cfg: pulumi.Config, mlflow: MlflowConfig, secrets: StackSecrets): MlflowConfig {
  const dbUri = cfg.getSecret('databaseUri');
  if (!dbUri) return mlflow;
  secrets['mlflow-db'] = { uri: dbUri };
  return { ...mlflow, backendStore: { external: { uriSecret: { name: 'mlflow-db', key: 'uri' } } } };
}

/** `modelplane:s3AccessKeyId` and `modelplane:s3SecretAccessKey`: Secret `mlflow-s3`, read by MLflow for its S3 store. */
function s3Secret(cfg: pulumi.Config, mlflow: MlflowConfig, secrets: StackSecrets, problems: string[]): MlflowConfig {
  const keyId = cfg.getSecret('s3AccessKeyId');
  const secret = cfg.getSecret('s3SecretAccessKey');
  if ((keyId === undefined) !== (secret === undefined)) {
    problems.push(
      `Pulumi config: \`modelplane:${keyId ? 's3AccessKeyId' : 's3SecretAccessKey'}\` is set without \`modelplane:${keyId ? 's3SecretAccessKey' : 's3AccessKeyId'}\`. Fix: set both with \`pulumi config set --secret\`, or neither to use workload identity.`,
    );
  }
  if (!keyId || !secret) return mlflow;
  const s3 = mlflow.artifactStore?.s3;
  if (!s3) {
    problems.push(
      'Pulumi config: `modelplane:s3AccessKeyId` is set but `modelplane:platform.mlflow.artifactStore.s3` is not. Fix: set the bucket with `pulumi config set --path modelplane:platform.mlflow.artifactStore.s3.bucket NAME`, or remove the S3 keys.',
    );
    return mlflow;
  }
  secrets['mlflow-s3'] = { AWS_ACCESS_KEY_ID: keyId, AWS_SECRET_ACCESS_KEY: secret };
  const accessKeyId = { name: 'mlflow-s3', key: 'AWS_ACCESS_KEY_ID' };
  const secretAccessKey = { name: 'mlflow-s3', key: 'AWS_SECRET_ACCESS_KEY' };
  return { ...mlflow, artifactStore: { s3: { ...s3, accessKeyId, secretAccessKey } } };
}

/** The program. Exported for tests with `pulumi.runtime.setMocks`. */
export function program(): Record<string, pulumi.Output<unknown> | unknown> {
  const cfg = new pulumi.Config('modelplane');
  const { loaded, secrets, problems } = readStackConfig(cfg);
  const app = new App({ outdir: 'dist' });
  // Every problem at once: the structure's, the constructs' and the secret settings'.
  const built = buildAppPlatform(app, loaded);
  const all = [...built.issues.map(stackProblem), ...problems];
  if (all.length > 0 || !built.platform) throw new StackConfigError(all);
  const provider = new kubernetes.Provider('modelplane', { enableServerSideApply: true });
  // Credentials from Pulumi secrets are created after the platform namespace and before the
  // platform's workloads, which read them and are awaited until ready.
  const deployment = new ModelplaneDeployment('modelplane', {
    platform: built.platform,
    provider,
    installOperators: cfg.getBoolean('installOperators') ?? true,
    skipAwait: cfg.getBoolean('skipAwait') ?? false,
    secrets,
  });
  return {
    mlflowTrackingUri: deployment.mlflowTrackingUri,
    groups: Object.keys(deployment.groups),
    releases: Object.keys(deployment.releases),
  };
}
