/** A team's workspace: the JupyterHub release's values, the team's hub objects, and every refusal. */
import { Testing } from 'cdk8s';
import { platformContext, PlatformContext } from '../src/core/context';
import type { SsoRef } from '../src/core/sso';
import { TeamSpace, TeamSpaceProps } from '../src/constructs/team-space';
import { HUB_ROLE_RULES, JUPYTERHUB_CHART, WORKSPACE_ACCOUNTS, WorkspaceProps } from '../src/constructs/workspace';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const sso: SsoRef = {
  issuerUrl: 'https://login.example.com/realms/modelplane',
  authorizeUrl: 'https://login.example.com/realms/modelplane/protocol/openid-connect/auth',
  tokenUrl: 'https://login.example.com/realms/modelplane/protocol/openid-connect/token',
  userinfoUrl: 'https://login.example.com/realms/modelplane/protocol/openid-connect/userinfo',
  groupsClaim: 'groups',
  egress: { kind: 'external', cidrs: ['203.0.113.10/32'], ports: [443] },
};
const gpuPool = {
  name: 'gpu',
  taint: { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' as const },
  nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' },
};
const platform: PlatformContext = platformContext({ sso, gpuPools: [gpuPool] });

const workspace: WorkspaceProps = {
  url: 'https://lab.notebooks.example.com',
  profiles: [
    { name: 'small', cpu: '1', memory: '2Gi' },
    { name: 'large', cpu: '4', memory: '16Gi', default: true },
    { name: 'gpu', cpu: '2', memory: '8Gi', gpus: 1 },
  ],
  storage: { size: '20Gi', storageClass: 'fast' },
  culling: { idleSeconds: 1800 },
};

function synth(props: Partial<TeamSpaceProps> = {}, ctx: PlatformContext = platform) {
  const chart = Testing.chart();
  const space = new TeamSpace(chart, 'lab', {
    name: 'lab',
    platform: ctx,
    quota: { cpu: '8', memory: '32Gi', gpus: 1, storage: '200Gi' },
    editorGroups: ['lab-editors'],
    workspace,
    ...props,
  });
  return { space, objs: Testing.synth(chart) };
}

type Values = Record<string, any>;

describe('workspace values (the Zero to JupyterHub release)', () => {
  const { space } = synth();
  const release = space.releases[0];
  const values = release.values as Values;
  const spawner = values.hub.config.KubeSpawner;

  test('one pinned release per team, in the team namespace', () => {
    expect(space.releases).toHaveLength(1);
    expect(release).toMatchObject({
      releaseName: 'jupyterhub-lab',
      chart: 'jupyterhub',
      version: JUPYTERHUB_CHART.version,
      namespace: 'lab',
    });
    expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('profiles: resources, the default one, GPUs placed on the pool like models', () => {
    expect(spawner.profile_list.map((p: Values) => [p.slug, p.default ?? false])).toEqual([
      ['small', false],
      ['large', true],
      ['gpu', false],
    ]);
    const [small, , gpu] = spawner.profile_list;
    expect(small.kubespawner_override).toMatchObject({ cpu_guarantee: 1, cpu_limit: 2, mem_guarantee: '2Gi', mem_limit: '2Gi' });
    expect(small.kubespawner_override.tolerations).toBeUndefined();
    expect(gpu.kubespawner_override.extra_resource_limits).toEqual({ 'nvidia.com/gpu': '1' });
    expect(gpu.kubespawner_override.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' },
    ]);
    expect(
      gpu.kubespawner_override.extra_pod_config.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
    ).toEqual([{ matchExpressions: [{ key: 'modelplane.dev/gpu-pool', operator: 'In', values: ['gpu'] }] }]);
    expect(gpu.description).toBe('2 CPU, 8Gi memory, 1 GPU on pool gpu');
    // The default profile's resources are the spawner's own too.
    expect(spawner).toMatchObject({ cpu_guarantee: 4, mem_limit: '16Gi' });
  });

  test('notebook pods: restricted, their own ServiceAccount without a token, the user volume at home', () => {
    expect(spawner).toMatchObject({
      namespace: 'lab',
      service_account: WORKSPACE_ACCOUNTS.notebook,
      automount_service_account_token: false,
      uid: 1000,
      fs_gid: 100,
      storage_pvc_ensure: true,
      storage_capacity: '20Gi',
      storage_class: 'fast',
      volume_mounts: [{ name: 'home', mountPath: '/home/jovyan' }],
    });
    expect(spawner.container_security_context).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test("sessions get the team's MLflow and object store, keys only by reference", () => {
    expect(spawner.environment.MLFLOW_TRACKING_URI).toBe(platform.mlflowTrackingUri);
    expect(spawner.environment.AWS_ACCESS_KEY_ID).toEqual({
      name: 'AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: 'modelplane-s3', key: 'AWS_ACCESS_KEY_ID' } },
    });
    expect(spawner.environment.AWS_ENDPOINT_URL).toBe(platform.objectStore.endpoint);
  });

  test('sign-on: only the team editors, the client secret from its Secret', () => {
    expect(values.hub.config.JupyterHub.authenticator_class).toBe('generic-oauth');
    expect(values.hub.config.GenericOAuthenticator).toMatchObject({
      client_id: 'jupyterhub-lab',
      oauth_callback_url: 'https://lab.notebooks.example.com/hub/oauth_callback',
      token_url: sso.tokenUrl,
      allowed_groups: ['lab-editors'],
      auth_state_groups_key: 'oauth_user.groups',
    });
    expect(values.hub.config.GenericOAuthenticator.client_secret).toBeUndefined();
    expect(values.hub.extraEnv.OAUTH_CLIENT_SECRET.valueFrom.secretKeyRef).toEqual({
      name: 'modelplane-sso-jupyterhub',
      key: 'client-secret',
    });
  });

  test('the chart parts a restricted team namespace cannot take are off; culling and the Ingress on', () => {
    expect(values.rbac.create).toBe(false);
    expect(values.hub.serviceAccount).toEqual({ create: false, name: WORKSPACE_ACCOUNTS.hub });
    expect(values.singleuser.cloudMetadata.blockWithIptables).toBe(false);
    expect(values.prePuller).toEqual({ hook: { enabled: false }, continuous: { enabled: false } });
    expect(values.scheduling.userScheduler.enabled).toBe(false);
    expect(values.cull).toMatchObject({ enabled: true, timeout: 1800 });
    expect(values.ingress).toEqual({ enabled: true, ingressClassName: 'nginx', hosts: ['lab.notebooks.example.com'] });
    for (const ctx of [values.hub.containerSecurityContext, values.proxy.chp.containerSecurityContext])
      expect(ctx).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
  });

  test('no secret value anywhere in the values', () => {
    expect(JSON.stringify(values)).not.toMatch(/"(client_secret|password|api_token|cookie_secret)":/);
    for (const [k, v] of Object.entries(spawner.environment as Values))
      if (/KEY/.test(k)) expect(v).toHaveProperty('valueFrom.secretKeyRef');
  });
});

describe("workspace objects in the team's files", () => {
  const { objs } = synth();

  test("the hub's Role: exactly KubeSpawner's calls, in the team namespace only", () => {
    const role = findObject(objs, 'Role', WORKSPACE_ACCOUNTS.hub);
    expect(role.metadata.namespace).toBe('lab');
    expect(role.rules).toEqual(HUB_ROLE_RULES);
    expect(JSON.stringify(role.rules)).not.toMatch(/secrets|\*/);
    expect(objs.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(findObject(objs, 'RoleBinding', WORKSPACE_ACCOUNTS.hub).subjects).toEqual([
      { kind: 'ServiceAccount', name: WORKSPACE_ACCOUNTS.hub, namespace: 'lab' },
    ]);
  });

  test('notebooks have no API token; the hub reaches the API server and the issuer only', () => {
    expect(findObject(objs, 'ServiceAccount', WORKSPACE_ACCOUNTS.notebook).automountServiceAccountToken).toBe(false);
    const egress = findObject(objs, 'NetworkPolicy', 'allow-jupyterhub-egress').spec;
    expect(egress.podSelector).toEqual({ matchLabels: { app: 'jupyterhub', component: 'hub' } });
    expect(egress.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '203.0.113.10/32' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    const ingress = findObject(objs, 'NetworkPolicy', 'allow-jupyterhub-ingress').spec;
    expect(ingress.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
        ports: [{ port: 8000, protocol: 'TCP' }],
      },
    ]);
  });

  test('quota.storage becomes requests.storage', () => {
    expect(findObject(objs, 'ResourceQuota', 'team-quota').spec.hard['requests.storage']).toBe('200Gi');
  });

  test('a workload identity goes on the notebooks, and no keys come from a Secret', () => {
    const { space, objs: o } = synth({ objectStore: { workloadIdentity: { awsRoleArn: 'arn:aws:iam::123456789012:role/lab-s3' } } });
    expect(findObject(o, 'ServiceAccount', WORKSPACE_ACCOUNTS.notebook).metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/lab-s3',
    });
    const env = (space.releases[0].values as Values).hub.config.KubeSpawner.environment;
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
  });

  test('no workspace: no release, no hub objects', () => {
    const { space, objs: o } = synth({ workspace: undefined });
    expect(space.releases).toEqual([]);
    expect(o.some((x) => x.metadata.name === WORKSPACE_ACCOUNTS.hub)).toBe(false);
  });
});

describe('workspace refusals (field, value and fix named; nothing built)', () => {
  const c = 'TeamSpace "lab"';
  const ws = (w: Partial<WorkspaceProps>) => ({ workspace: { ...workspace, ...w } });
  const cases: [string, Partial<TeamSpaceProps>, string, unknown, RegExp, PlatformContext][] = [
    [
      'a profile above the CPU quota',
      ws({ profiles: [{ name: 'huge', cpu: '12' }] }),
      'workspace.profiles[0].cpu',
      '12',
      /quota\.cpu/,
      platform,
    ],
    [
      'a profile above the memory quota',
      ws({ profiles: [{ name: 'huge', memory: '64Gi' }] }),
      'workspace.profiles[0].memory',
      '64Gi',
      /quota\.memory/,
      platform,
    ],
    ['GPUs above the quota', ws({ profiles: [{ name: 'g', gpus: 2 }] }), 'workspace.profiles[0].gpus', 2, /quota\.gpus/, platform],
    [
      'an unknown pool',
      ws({ profiles: [{ name: 'g', gpus: 1, gpuPool: 'tpu' }] }),
      'workspace.profiles[0].gpuPool',
      'tpu',
      /gpuPool: gpu/,
      platform,
    ],
    ['a pool without GPUs', ws({ profiles: [{ name: 'c', gpuPool: 'gpu' }] }), 'workspace.profiles[0].gpuPool', 'gpu', /gpus: 1/, platform],
    ['two profiles named alike', ws({ profiles: [{ name: 'a' }, { name: 'a' }] }), 'workspace.profiles', 'a', /own name/, platform],
    [
      'two defaults',
      ws({
        profiles: [
          { name: 'a', default: true },
          { name: 'b', default: true },
        ],
      }),
      'workspace.profiles',
      ['a', 'b'],
      /one profile/,
      platform,
    ],
    ['an http URL', ws({ url: 'http://lab.example.com' }), 'workspace.url', 'http://lab.example.com', /https:/, platform],
    ['a URL with a path', ws({ url: 'https://example.com/lab' }), 'workspace.url', 'https://example.com/lab', /https:/, platform],
    ['no URL with sign-on', ws({ url: undefined }), 'workspace.url', undefined, /oauth_callback/, platform],
    ['vscode on the default image', ws({ session: 'vscode' }), 'workspace.session', 'vscode', /workspace\.image/, platform],
    [
      'an unpinned image',
      ws({ image: 'quay.io/jupyter/scipy-notebook' }),
      'workspace.image',
      'quay.io/jupyter/scipy-notebook',
      /tag/,
      platform,
    ],
    [
      'a user volume above the storage quota',
      ws({ storage: { size: '500Gi' } }),
      'workspace.storage.size',
      '500Gi',
      /quota\.storage/,
      platform,
    ],
    ['culling too often', ws({ culling: { idleSeconds: 10 } }), 'workspace.culling.idleSeconds', 10, /3600/, platform],
    ['no editor groups', { editorGroups: [] }, 'workspace', undefined, /editorGroups/, platform],
    ['no sign-on on the platform', {}, 'workspace', undefined, /sso:/, platformContext({ gpuPools: [gpuPool] })],
  ];
  test.each(cases)('%s', (_what, props, field, value, says, ctx) => {
    const issue = expectIssue(() => synth(props, ctx), { construct: c, field, ...(value !== undefined ? { value } : {}), says });
    expect(issue.fix).toBeTruthy();
  });
});
