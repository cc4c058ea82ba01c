/**
 * The Pulumi program's logic (entry point: stacks/pulumi-main.ts): the same builder as the cdk8s app, deployed with
 * @pulumi/kubernetes. Stack configuration (all optional):
 *
 * - `modelplane:platform` (object): a ModelplaneConfig (teams, gpuPools, mlflow, operators, ...).
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
import { deployApp } from '../src/frontends/pulumi/deploy';
import { buildPlatform, defaultConfig, ModelplaneConfig } from './build';

/** Turns stack configuration into a platform configuration plus the Secrets the program must create. */
export function configFromStack(cfg: pulumi.Config): {
  config: ModelplaneConfig;
  secrets: Record<string, Record<string, pulumi.Output<string>>>;
} {
  const base = cfg.getObject<ModelplaneConfig>('platform') ?? defaultConfig();
  const secrets: Record<string, Record<string, pulumi.Output<string>>> = {};
  let mlflow = base.mlflow ?? {};
  const dbUri = cfg.getSecret('databaseUri');
  if (dbUri) {
    secrets['mlflow-db'] = { uri: dbUri };
    mlflow = { ...mlflow, backendStore: { external: { uriSecret: { name: 'mlflow-db', key: 'uri' } } } };
  }
  const keyId = cfg.getSecret('s3AccessKeyId');
  const secret = cfg.getSecret('s3SecretAccessKey');
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new Error(
      `Pulumi config: \`modelplane:${keyId ? 's3AccessKeyId' : 's3SecretAccessKey'}\` is set without \`modelplane:${keyId ? 's3SecretAccessKey' : 's3AccessKeyId'}\`. Fix: set both with \`pulumi config set --secret\`, or neither to use workload identity.`,
    );
  }
  if (keyId && secret) {
    secrets['mlflow-s3'] = { AWS_ACCESS_KEY_ID: keyId, AWS_SECRET_ACCESS_KEY: secret };
    const s3 = mlflow.artifactStore?.s3;
    if (!s3)
      throw new Error(
        'Pulumi config: `modelplane:s3AccessKeyId` is set but `modelplane:platform.mlflow.artifactStore.s3` is not. Fix: set the bucket with `pulumi config set --path modelplane:platform.mlflow.artifactStore.s3.bucket NAME`, or remove the S3 keys.',
      );
    mlflow = {
      ...mlflow,
      artifactStore: {
        s3: {
          ...s3,
          accessKeyId: { name: 'mlflow-s3', key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: 'mlflow-s3', key: 'AWS_SECRET_ACCESS_KEY' },
        },
      },
    };
  }
  return { config: { ...base, mlflow }, secrets };
}

/** The program. Exported for tests with `pulumi.runtime.setMocks`. */
export function program(): Record<string, pulumi.Output<unknown> | unknown> {
  const cfg = new pulumi.Config('modelplane');
  const { config, secrets } = configFromStack(cfg);
  const app = new App({ outdir: 'dist' });
  const { platform } = buildPlatform(app, config);
  const provider = new kubernetes.Provider('modelplane', { enableServerSideApply: true });
  const ns = platform.context.platformNamespace;
  // Credentials from Pulumi secrets: created after the platform namespace and before the
  // platform's workloads, which read them and are awaited until ready.
  const createSecrets = (dependsOn: pulumi.Resource[]) =>
    Object.entries(secrets)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([name, data]) =>
          new kubernetes.core.v1.Secret(
            name,
            { metadata: { name, namespace: ns }, type: 'Opaque', stringData: data },
            { provider, dependsOn },
          ),
      );
  const deployed = deployApp(app, platform.operators, {
    provider,
    installOperators: cfg.getBoolean('installOperators') ?? true,
    skipAwait: cfg.getBoolean('skipAwait') ?? false,
    beforeObjects: Object.keys(secrets).length > 0 ? { [platform.node.id]: createSecrets } : {},
  });
  return {
    mlflowTrackingUri: platform.context.mlflowTrackingUri,
    groups: Object.keys(deployed.groups),
    releases: Object.keys(deployed.releases),
  };
}
