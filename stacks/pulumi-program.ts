/**
 * The Pulumi program's logic (entry point: stacks/pulumi-main.ts): the same builder as the cdk8s app and
 * `modelplane synth`, deployed as one `ModelplaneDeployment` component. Stack configuration — the platform
 * from exactly one of:
 *
 * - `modelplane:platformFile` (string): the platform file, the one `modelplane synth --platform` reads,
 *   relative to the directory of Pulumi.yaml (where Pulumi runs the program); problems at FILE:LINE:COL.
 * - `modelplane:platform` (object): the same settings inline in the stack file (teams, gpuPools, mlflow,
 *   operators, ..., and `examples`); every problem is named by its key, e.g. `modelplane:platform.teams[0].quota`.
 * - `modelplane:examples: true` alone: the embedded demo platform (team `demo` with the example models).
 *
 * and, optionally:
 *
 * - `modelplane:teamFiles` (list of strings): the teams' `modelplane.yaml` files, built against the platform
 *   exactly as `modelplane synth --platform FILE -f TEAM_FILE ...` builds them. @default none
 * - `modelplane:examples` (bool): with a platform file or object, also add the demo models to its team
 *   `demo`. @default false
 * - `modelplane:installOperators` (bool, default true): install the operators' Helm charts.
 * - `modelplane:skipAwait` (bool, default false): do not wait for readiness (clusters without nodes).
 * - `modelplane:databaseUri` (secret): an external MLflow database URI; stored in Secret `mlflow-db`.
 * - `modelplane:s3AccessKeyId`, `modelplane:s3SecretAccessKey` (secrets): S3 credentials for an
 *   external artifact store; stored in Secret `mlflow-s3`.
 * - `kubernetes:kubeconfig` / `kubernetes:context`: the usual provider settings.
 */
import { statSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import * as kubernetes from '@pulumi/kubernetes';
import { App } from 'cdk8s';
import type { MlflowServerProps } from '../src/constructs/mlflow/mlflow-server';
import { buildTeamModels } from '../src/frontends/config/build';
import type { ConfigIssue } from '../src/frontends/config/errors';
import { LoadedPlatform, loadPlatformData, loadPlatformFile } from '../src/frontends/config/platform-load';
import { loadTeamFiles } from '../src/frontends/config/team-files';
import { ModelplaneDeployment } from '../src/frontends/pulumi/component';
import { PLATFORM_CONFIG_KEY, platformConfigLocator, StackConfigError, stackProblem } from '../src/frontends/pulumi/stack-config';
import { APP_LOAD_OPTIONS, buildAppPlatform, defaultConfig, ModelplaneConfig } from './build';

type BuiltAppPlatform = ReturnType<typeof buildAppPlatform>;

/** The MLflow settings of a platform configuration. */
type MlflowConfig = Omit<MlflowServerProps, 'namespace'>;

/** Secrets to create, by Secret name and key. */
type StackSecrets = Record<string, Record<string, pulumi.Output<string>>>;

/** How the stack's platform configuration is loaded: with the app settings, its top level named by its key. */
const STACK_LOAD = { ...APP_LOAD_OPTIONS, topLevel: `\`${PLATFORM_CONFIG_KEY}\`` };

/** The stack configuration as read: the platform configuration (with the Secrets' references), the Secrets, and the problems of the settings. */
interface StackConfig {
  /** The platform file or object, checked against the schema, MLflow wired to the Secrets. */
  readonly loaded: LoadedPlatform;
  /** The team files named in `modelplane:teamFiles`. */
  readonly teamFiles: readonly string[];
  /** The Secrets to create. */
  readonly secrets: StackSecrets;
  /** Problems of the other settings (the platform's are in `loaded`). */
  readonly problems: readonly string[];
}

const NO_PLATFORM =
  'Pulumi config: no platform is configured. Fix: name your platform file with `pulumi config set modelplane:platformFile platform.yaml` (relative to the directory of Pulumi.yaml; the file `modelplane synth --platform` reads), or `pulumi config set modelplane:examples true` for the embedded demo platform.';

/** The platform of the stack: its file, its inline object, or (only when asked for) the embedded demo platform. */
function loadStackPlatform(cfg: pulumi.Config, problems: string[]): LoadedPlatform {
  const file = cfg.get('platformFile');
  const inline = cfg.getObject<unknown>('platform');
  if (file !== undefined && inline !== undefined) {
    problems.push(
      'Pulumi config: `modelplane:platformFile` and `modelplane:platform` are both set; the platform comes from one of them. Fix: `pulumi config rm modelplane:platform` to use the file, or `pulumi config rm modelplane:platformFile`.',
    );
  }
  if (file !== undefined) {
    const readFix =
      'check `modelplane:platformFile` (`pulumi config get modelplane:platformFile`); it is relative to the directory of Pulumi.yaml';
    return loadPlatformFile(file, { readFix });
  }
  if (inline !== undefined) return loadPlatformData(inline, platformConfigLocator(), STACK_LOAD);
  if (cfg.getBoolean('examples') !== true) problems.push(NO_PLATFORM);
  return loadPlatformData(defaultConfig(), platformConfigLocator(), STACK_LOAD);
}

/** `modelplane:teamFiles`: a list of paths. */
function readTeamFiles(cfg: pulumi.Config, problems: string[]): string[] {
  const files = cfg.getObject<unknown>('teamFiles');
  if (files === undefined) return [];
  if (!Array.isArray(files) || files.some((f) => typeof f !== 'string' || f === '')) {
    problems.push(
      `Pulumi config: \`modelplane:teamFiles\` = ${JSON.stringify(files)} must be a list of team file paths. Fix: \`pulumi config set --path 'modelplane:teamFiles[0]' teams/risk/modelplane.yaml\`, or in Pulumi.<stack>.yaml: \`modelplane:teamFiles: [teams/risk/modelplane.yaml]\`.`,
    );
    return [];
  }
  return files as string[];
}

/** Reads the stack configuration; collects its problems instead of throwing. */
function readStackConfig(cfg: pulumi.Config): StackConfig {
  const problems: string[] = [];
  const platform = loadStackPlatform(cfg, problems);
  // A platform file or object adds the demo models only when the stack asks for them.
  const examples = cfg.getBoolean('examples');
  const loaded = examples === undefined ? platform : { ...platform, settings: { ...platform.settings, examples } };
  const teamFiles = readTeamFiles(cfg, problems);
  const secrets: StackSecrets = {};
  let mlflow = databaseSecret(cfg, loaded.props?.mlflow ?? {}, secrets);
  mlflow = s3Secret(cfg, mlflow, secrets, problems);
  return { loaded: loaded.props ? { ...loaded, props: { ...loaded.props, mlflow } } : loaded, teamFiles, secrets, problems };
}

/** Builds the team files into `app` against the platform, as `modelplane synth --platform -f` does; returns their problems. */
function buildTeamFiles(app: App, built: BuiltAppPlatform, files: readonly string[]): ConfigIssue[] {
  const { loaded, issues } = loadTeamFiles(files, 'list each file once in `modelplane:teamFiles`');
  if (issues.length > 0 || !built.platform) return [...loaded.flatMap((l) => l.issues), ...issues];
  return loaded.flatMap((l) => buildTeamModels(app, l, { platform: built.platform }).issues);
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
  // Pulumi runs the program in the directory of `main` (stacks/); the files the stack names are relative to
  // the directory of Pulumi.yaml, and are named so in problems. (Under `pulumi.runtime.setMocks` the root is a
  // placeholder, not a directory: the tests' working directory stays.)
  const root = pulumi.getRootDirectory();
  if (root && statSync(root, { throwIfNoEntry: false })?.isDirectory()) process.chdir(root);
  const cfg = new pulumi.Config('modelplane');
  const { loaded, teamFiles, secrets, problems } = readStackConfig(cfg);
  const app = new App({ outdir: 'dist' });
  // Every problem at once: the settings', the platform's (structure and constructs) and the team files'.
  const built = buildAppPlatform(app, loaded);
  const teams = problems.length === 0 ? buildTeamFiles(app, built, teamFiles) : [];
  const all = [...built.issues.map(stackProblem), ...problems, ...teams.map((located) => stackProblem({ located }))];
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
