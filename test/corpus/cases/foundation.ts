/** TeamSpace, MlflowServer, GpuNodePool and Platform: names, quantities, secrets, references. */
import { App, Chart } from 'cdk8s';
import { GpuNodePool } from '../../../src/constructs/gpu-node-pool';
import { MlflowServer } from '../../../src/constructs/mlflow/mlflow-server';
import { Platform } from '../../../src/constructs/platform/platform';
import { TeamSpace } from '../../../src/constructs/team-space';
import { platformContext } from '../../../src/core/context';
import { bad, TsCase } from '../support';

const teamSpace =
  (props: Record<string, unknown>) =>
  (app: App): void => {
    new TeamSpace(new Chart(app, 'teams'), 'risk', { name: 'risk', platform: platformContext(), ...props } as never);
  };
const mlflow =
  (props: Record<string, unknown>) =>
  (app: App): void => {
    new MlflowServer(new Chart(app, 'platform'), 'mlflow', { namespace: 'modelplane-system', ...props } as never);
  };
const pool =
  (props: Record<string, unknown>, id = 'gpu') =>
  (app: App): void => {
    new GpuNodePool(new Chart(app, 'pools'), id, props as never);
  };
const platform =
  (props: Record<string, unknown>) =>
  (app: App): void => {
    new Platform(app, 'platform', props as never);
  };

export const cases: TsCase[] = [
  // TeamSpace
  {
    name: 'team name not DNS-1123',
    construct: 'TeamSpace "risk"',
    field: 'name',
    value: 'Risk_Team',
    build: teamSpace({ name: 'Risk_Team' }),
  },
  {
    name: 'team name over 40 characters',
    construct: 'TeamSpace "risk"',
    field: 'name',
    value: 'r'.repeat(41),
    says: /41 characters/,
    build: teamSpace({ name: 'r'.repeat(41) }),
  },
  {
    name: 'quota cpu not a quantity',
    construct: 'TeamSpace "risk"',
    field: 'quota.cpu',
    value: 'lots',
    build: teamSpace({ quota: { cpu: 'lots' } }),
  },
  {
    name: 'quota memory with a bad unit',
    construct: 'TeamSpace "risk"',
    field: 'quota.memory',
    value: '64GB',
    build: teamSpace({ quota: { memory: '64GB' } }),
  },
  { name: 'quota pods zero', construct: 'TeamSpace "risk"', field: 'quota.pods', value: 0, build: teamSpace({ quota: { pods: 0 } }) },
  {
    name: 'quota gpus fractional',
    construct: 'TeamSpace "risk"',
    field: 'quota.gpus',
    value: 1.5,
    build: teamSpace({ quota: { gpus: 1.5 } }),
  },
  {
    name: 'default CPU request above the default limit',
    construct: 'TeamSpace "risk"',
    field: 'limits.cpuRequest',
    value: '4',
    build: teamSpace({ limits: { cpuRequest: '4', cpuLimit: '2' } }),
  },
  {
    name: 'object store CIDR not a CIDR',
    construct: 'TeamSpace "risk"',
    field: 'objectStoreCidrs[0]',
    value: '10.0.0.0/33',
    build: teamSpace({ objectStoreCidrs: ['10.0.0.0/33'] }),
  },
  {
    name: 'editor group listed twice',
    construct: 'TeamSpace "risk"',
    field: 'editorGroups',
    value: 'ds-risk',
    build: teamSpace({ editorGroups: ['ds-risk', 'ds-risk'] }),
  },

  // MlflowServer
  { name: 'mlflow one replica', construct: 'MlflowServer "mlflow"', field: 'replicas', value: 1, build: mlflow({ replicas: 1 }) },
  {
    name: 'mlflow image on latest',
    construct: 'MlflowServer "mlflow"',
    field: 'image',
    value: 'ghcr.io/mlflow/mlflow:latest',
    build: mlflow({ image: 'ghcr.io/mlflow/mlflow:latest' }),
  },
  {
    name: 'mlflow image without a tag',
    construct: 'MlflowServer "mlflow"',
    field: 'image',
    value: 'ghcr.io/mlflow/mlflow',
    build: mlflow({ image: 'ghcr.io/mlflow/mlflow' }),
  },
  {
    name: 'mlflow namespace not DNS-1123',
    construct: 'MlflowServer "mlflow"',
    field: 'namespace',
    value: 'ML.Platform',
    build: mlflow({ namespace: 'ML.Platform' }),
  },
  {
    name: 'mlflow memory not a quantity',
    construct: 'MlflowServer "mlflow"',
    field: 'resources.memory',
    value: '2 GB',
    build: mlflow({ resources: { cpu: '500m', memory: '2 GB' } }),
  },
  {
    name: 'mlflow CPU limit below the request',
    construct: 'MlflowServer "mlflow"',
    field: 'resources.cpuLimit',
    value: '250m',
    build: mlflow({ resources: { cpu: '1', memory: '2Gi', cpuLimit: '250m' } }),
  },
  {
    name: 'mlflow database URI in plain text',
    construct: 'MlflowServer "mlflow"',
    field: 'backendStore.external.uriSecret',
    says: /plain/,
    build: mlflow({ backendStore: { external: { uriSecret: 'postgresql://mlflow:hunter2@db:5432/mlflow' } } }),
  },
  {
    name: 'mlflow database password beside the reference',
    construct: 'MlflowServer "mlflow"',
    field: 'backendStore.external.password',
    says: /credential/,
    build: mlflow({ backendStore: { external: { uriSecret: { name: 'db', key: 'uri' }, password: 'hunter2' } } }),
  },
  {
    name: 'mlflow S3 secret key in plain text',
    construct: 'MlflowServer "mlflow"',
    field: 'artifactStore.s3.secretAccessKey',
    says: /plain/,
    build: mlflow({
      artifactStore: { s3: { bucket: 'mlflow', accessKeyId: { name: 's3', key: 'id' }, secretAccessKey: 'wJalrXUtnFEMI' } },
    }),
  },
  {
    name: 'mlflow S3 bucket name invalid',
    construct: 'MlflowServer "mlflow"',
    field: 'artifactStore.s3.bucket',
    value: 'My_Bucket',
    build: mlflow({ artifactStore: { s3: { bucket: 'My_Bucket' } } }),
  },
  {
    name: 'mlflow S3 endpoint with credentials',
    construct: 'MlflowServer "mlflow"',
    field: 'artifactStore.s3.endpoint',
    value: 'https://key:secret@s3.example.com',
    build: mlflow({ artifactStore: { s3: { bucket: 'mlflow', endpoint: 'https://key:secret@s3.example.com' } } }),
  },
  {
    name: 'mlflow both backend stores',
    construct: 'MlflowServer "mlflow"',
    field: 'backendStore',
    build: mlflow({ backendStore: { embedded: {}, external: { uriSecret: { name: 'db', key: 'uri' } } } }),
  },
  {
    name: 'mlflow CORS origin with a path',
    construct: 'MlflowServer "mlflow"',
    field: 'corsAllowedOrigins[0]',
    value: 'https://ui.example.com/app',
    build: mlflow({ corsAllowedOrigins: ['https://ui.example.com/app'] }),
  },

  // GpuNodePool
  { name: 'pool name not DNS-1123', construct: 'GpuNodePool "gpu"', field: 'name', value: 'A100_pool', build: pool({ name: 'A100_pool' }) },
  {
    name: 'pool taint effect unknown',
    construct: 'GpuNodePool "gpu"',
    field: 'taint.effect',
    value: 'Sometimes',
    build: pool({ taint: { key: 'purpose', value: 'ml', effect: 'Sometimes' } }),
  },
  {
    name: 'pool taint key invalid',
    construct: 'GpuNodePool "gpu"',
    field: 'taint.key',
    value: 'bad key',
    build: pool({ taint: { key: 'bad key', effect: 'NoSchedule' } }),
  },
  { name: 'pool maxGpus zero', construct: 'GpuNodePool "gpu"', field: 'maxGpus', value: 0, build: pool({ maxGpus: 0 }) },
  {
    name: 'pool node label overriding the pool label',
    construct: 'GpuNodePool "gpu"',
    field: 'nodeLabels["modelplane.dev/gpu-pool"]',
    value: 'other',
    build: pool({ nodeLabels: { 'modelplane.dev/gpu-pool': 'other' } }),
  },
  {
    name: 'pool Karpenter capacity type unknown',
    construct: 'GpuNodePool "gpu"',
    field: 'karpenter.capacityTypes[0]',
    value: 'cheap',
    build: pool({
      karpenter: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' }, capacityTypes: ['cheap'] },
    }),
  },
  {
    name: 'pool consolidateAfter not a duration',
    construct: 'GpuNodePool "gpu"',
    field: 'karpenter.consolidateAfter',
    value: 'soon',
    build: pool({
      karpenter: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' }, consolidateAfter: 'soon' },
    }),
  },

  // Platform
  {
    name: 'platform team listed twice',
    construct: 'Platform "platform"',
    field: 'teams',
    value: 'risk',
    build: platform({ teams: [{ name: 'risk' }, { name: 'risk' }] }),
  },
  {
    name: 'platform team on a reserved namespace',
    construct: 'Platform "platform"',
    field: 'teams[0].name',
    value: 'kube-system',
    build: platform({ teams: [{ name: 'kube-system' }] }),
  },
  {
    name: 'platform team name not DNS-1123',
    construct: 'Platform "platform"',
    field: 'teams[0].name',
    value: 'Risk',
    build: platform({ teams: [{ name: 'Risk' }] }),
  },
  {
    name: 'platform GPU pool listed twice',
    construct: 'Platform "platform"',
    field: 'gpuPools',
    value: 'gpu',
    build: platform({ gpuPools: [{ name: 'gpu' }, { name: 'gpu' }] }),
  },
  {
    name: 'platform operator version not exact',
    construct: 'Platform "platform"',
    field: 'operators.keda.version',
    value: 'latest',
    build: platform({ operators: { keda: { version: 'latest' } } }),
  },
  {
    name: 'platform single sign-on issuer over plain http',
    construct: 'SingleSignOn "sso"',
    field: 'issuerUrl',
    value: 'http://login.example.com/realms/modelplane',
    says: /use https/,
    build: platform({ sso: { issuerUrl: 'http://login.example.com/realms/modelplane', egress: { cidrs: ['203.0.113.10/32'] } } }),
  },
  {
    name: 'platform single sign-on egress to every address',
    construct: 'SingleSignOn "sso"',
    field: 'egress.cidrs[0]',
    value: '0.0.0.0/0',
    build: platform({ sso: { issuerUrl: 'https://login.example.com/realms/modelplane', egress: { cidrs: ['0.0.0.0/0'] } } }),
  },
  {
    name: 'platform unknown operator',
    construct: 'Platform "platform"',
    field: 'operators.kubeflow',
    value: 'kubeflow',
    build: platform({ operators: { kubeflow: { enabled: true } } }),
  },
  {
    name: 'platform namespace not DNS-1123',
    construct: 'Platform "platform"',
    field: 'platformNamespace',
    value: 'Modelplane',
    build: platform({ platformNamespace: 'Modelplane' }),
  },
  {
    name: 'platform team quota memory not a quantity (nested TeamSpace)',
    construct: 'TeamSpace "risk"',
    field: 'quota.memory',
    value: 'much',
    build: platform({ teams: [{ name: 'risk', quota: { memory: 'much' } }] }),
  },
  {
    name: 'platform bad args to MlflowServer (nested)',
    construct: 'MlflowServer "mlflow"',
    field: 'replicas',
    value: 0,
    build: platform({ mlflow: { replicas: 0 } }),
  },
  {
    name: 'platform teams not a list',
    construct: 'Platform "platform"',
    field: 'teams',
    value: 'risk',
    build: platform({ teams: bad('risk') }),
  },
  {
    name: 'platform GPU pools given as names',
    construct: 'Platform "platform"',
    field: 'gpuPools',
    value: ['gpu'],
    build: platform({ gpuPools: bad(['gpu']) }),
  },
];
