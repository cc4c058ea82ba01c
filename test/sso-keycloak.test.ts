/**
 * Single sign-on, the `sso.keycloak` form: the platform's Keycloak as rendered (Pod Security restricted with a
 * read-only root, Service, Ingress, NetworkPolicy, the realm ConfigMap with one confidential client per
 * consumer and flat groups), the client secrets generated in-cluster by the bootstrap Job (each copied into
 * its consumer's namespace, read by Keycloak's pod by reference, never a value in the output), the database
 * Secret as a prerequisite, the issuer in the context, and every bad setting refused naming field and value.
 */
import { App, Testing } from 'cdk8s';
import { Platform, PlatformProps, resolvePlatform } from '../src/constructs/platform/platform';
import { jupyterHubAuth } from '../src/constructs/sso/jupyterhub-auth';
import { clientSecretEnv, keycloakRealm, realmClients } from '../src/constructs/sso/keycloak-realm';
import { KEYCLOAK_IMAGE, ssoConsumers } from '../src/constructs/sso/keycloak-resolve';
import { KEYCLOAK_VERSION } from '../src/constructs/sso/keycloak-version';
import type { SsoProps } from '../src/constructs/sso/sso-resolve';
import { expectIssue } from './support/errors';

type Obj = Record<string, any>;

const KEYCLOAK: SsoProps = {
  keycloak: {
    url: 'https://sso.example.com',
    ingressClassName: 'nginx',
    ingressNamespaces: ['ingress-nginx'],
    database: { secret: 'keycloak-db', cidrs: ['10.20.0.5/32'] },
    clients: { mlflow: 'https://mlflow.example.com' },
  },
};
const PROPS: PlatformProps = {
  teams: [
    // Each team's hub gets its client from its workspace's URL.
    { name: 'risk', editorGroups: ['risk-editors'], workspace: { url: 'https://risk.notebooks.example.com' } },
    { name: 'fraud', editorGroups: ['fraud-editors', 'fraud-leads'], workspace: { url: 'https://fraud.notebooks.example.com/' } },
  ],
  sso: KEYCLOAK,
};

function synth(props: PlatformProps = PROPS): Obj[] {
  const app = new App();
  new Platform(app, 'platform', props);
  return app.charts.flatMap((c) => Testing.synth(c) as Obj[]);
}
const find = (objs: Obj[], kind: string, name: string, namespace = 'modelplane-system') =>
  objs.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? namespace) === namespace);

describe('sso.keycloak: what the platform renders', () => {
  const objs = synth();

  test('Keycloak runs restricted, with a read-only root: its build output and data in emptyDirs, rebuilt for the database', () => {
    const pod = find(objs, 'Deployment', 'keycloak')!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.image).toBe(`quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        runAsNonRoot: true,
      });
      expect(c.resources.limits.memory).toBeDefined();
    }
    expect(pod.initContainers.map((c: Obj) => c.name)).toEqual(['seed', 'build']);
    expect(pod.initContainers[1].args).toEqual(['build', '--db=postgres', '--health-enabled=true']);
    const kc = pod.containers[0];
    expect(kc.args).toEqual(['start', '--optimized', '--import-realm']);
    expect(kc.volumeMounts.map((m: Obj) => m.mountPath).sort()).toEqual([
      '/opt/keycloak/data',
      '/opt/keycloak/data/import',
      '/opt/keycloak/lib/quarkus',
      '/tmp',
    ]);
    expect(pod.volumes.find((v: Obj) => v.name === 'realm').configMap.name).toBe('keycloak-realm');
    expect(kc.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'management' });
  });

  test("every secret by reference: the database from the operator's Secret, each client secret from a generated one", () => {
    const env = find(objs, 'Deployment', 'keycloak')!.spec.template.spec.containers[0].env as Obj[];
    expect(env.filter((e) => e.value !== undefined).map((e) => e.name)).toEqual([
      'KC_HOSTNAME',
      'KC_HOSTNAME_BACKCHANNEL_DYNAMIC',
      'KC_HTTP_ENABLED',
      'KC_HTTP_PORT',
      'KC_PROXY_HEADERS',
    ]);
    expect(env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ['KC_DB_URL', 'keycloak-db', 'url'],
      ['KC_DB_USERNAME', 'keycloak-db', 'username'],
      ['KC_DB_PASSWORD', 'keycloak-db', 'password'],
      ['SSO_CLIENT_SECRET_JUPYTERHUB_FRAUD', 'keycloak-client-jupyterhub-fraud', 'client-secret'],
      ['SSO_CLIENT_SECRET_JUPYTERHUB_RISK', 'keycloak-client-jupyterhub-risk', 'client-secret'],
      ['SSO_CLIENT_SECRET_MLFLOW', 'keycloak-client-mlflow', 'client-secret'],
    ]);
    expect(objs.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('the realm: confidential clients with one exact callback and PKCE, flat groups, the editor groups; secrets as ${ENV}', () => {
    const realm = JSON.parse(find(objs, 'ConfigMap', 'keycloak-realm')!.data['modelplane-realm.json']);
    expect(realm.realm).toBe('modelplane');
    expect(realm.groups).toEqual([{ name: 'fraud-editors' }, { name: 'fraud-leads' }, { name: 'risk-editors' }]);
    expect(realm.clients.map((c: Obj) => [c.clientId, c.redirectUris, c.secret])).toEqual([
      ['jupyterhub-fraud', ['https://fraud.notebooks.example.com/hub/oauth_callback'], '${SSO_CLIENT_SECRET_JUPYTERHUB_FRAUD}'],
      ['jupyterhub-risk', ['https://risk.notebooks.example.com/hub/oauth_callback'], '${SSO_CLIENT_SECRET_JUPYTERHUB_RISK}'],
      ['mlflow', ['https://mlflow.example.com/oauth2/callback'], '${SSO_CLIENT_SECRET_MLFLOW}'],
    ]);
    for (const c of realm.clients) {
      expect(c).toMatchObject({
        publicClient: false,
        standardFlowEnabled: true,
        implicitFlowEnabled: false,
        directAccessGrantsEnabled: false,
      });
      expect(c.attributes['pkce.code.challenge.method']).toBe('S256');
      expect(c.protocolMappers).toEqual([
        expect.objectContaining({
          protocolMapper: 'oidc-group-membership-mapper',
          config: expect.objectContaining({ 'claim.name': 'groups', 'full.path': 'false' }),
        }),
      ]);
    }
  });

  test("the bootstrap generates each client secret once and copies it into the consumer's namespace, with a Role there", () => {
    const cm = find(objs, 'ConfigMap', 'modelplane-secret-bootstrap')!;
    const secrets = JSON.parse(cm.data['secrets.json']) as Obj[];
    expect(secrets.filter((s) => s.name.startsWith('keycloak-client-') || s.name.startsWith('modelplane-sso-'))).toEqual([
      { name: 'keycloak-client-jupyterhub-fraud', keys: ['client-secret'] },
      { name: 'keycloak-client-jupyterhub-risk', keys: ['client-secret'] },
      { name: 'keycloak-client-mlflow', keys: ['client-secret'] },
      {
        name: 'modelplane-sso-jupyterhub',
        namespace: 'fraud',
        keys: ['client-secret'],
        copies: { 'client-secret': { secret: 'keycloak-client-jupyterhub-fraud', key: 'client-secret' } },
      },
      {
        name: 'modelplane-sso-jupyterhub',
        namespace: 'risk',
        keys: ['client-secret'],
        copies: { 'client-secret': { secret: 'keycloak-client-jupyterhub-risk', key: 'client-secret' } },
      },
      {
        name: 'modelplane-sso-mlflow',
        namespace: 'modelplane-system',
        keys: ['client-secret'],
        copies: { 'client-secret': { secret: 'keycloak-client-mlflow', key: 'client-secret' } },
      },
      { name: 'modelplane-sso-mlflow-cookie', keys: ['cookie-secret'] },
    ]);
    const role = find(objs, 'Role', 'modelplane-secret-bootstrap', 'risk')!;
    expect(role.rules[1].resourceNames).toEqual(['modelplane-s3', 'modelplane-sso-jupyterhub']);
  });

  test('Service, Ingress on the public host, and a NetworkPolicy: in from teams, the platform and the ingress; out to DNS and the database', () => {
    expect(find(objs, 'Service', 'keycloak')!.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(find(objs, 'Ingress', 'keycloak')!.spec.rules[0].host).toBe('sso.example.com');
    const np = find(objs, 'NetworkPolicy', 'keycloak')!.spec;
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    const from = np.ingress[0].from.map((p: Obj) => p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] ?? 'teams');
    expect(from).toEqual(['teams', 'modelplane-system', 'ingress-nginx']);
    expect(np.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.5/32' } }], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(JSON.stringify(np.egress)).not.toContain('0.0.0.0/0');
  });

  test('the context: browsers at the public issuer, pods at the Service, in-cluster egress; the DB Secret a prerequisite', () => {
    const spec = resolvePlatform('platform', PROPS).spec!;
    expect(spec.context.sso).toMatchObject({
      issuerUrl: 'https://sso.example.com/realms/modelplane',
      authorizeUrl: 'https://sso.example.com/realms/modelplane/protocol/openid-connect/auth',
      tokenUrl: 'http://keycloak.modelplane-system.svc.cluster.local:8080/realms/modelplane/protocol/openid-connect/token',
      egress: { kind: 'in-cluster', namespace: 'modelplane-system', port: 8080 },
    });
    expect(spec.prerequisites).toContainEqual(
      expect.objectContaining({
        kind: 'Secret',
        namespace: 'modelplane-system',
        name: 'keycloak-db',
        keys: ['url', 'username', 'password'],
      }),
    );
    expect(spec.keycloak!.clients.map((c) => c.clientId)).toEqual(['jupyterhub-fraud', 'jupyterhub-risk', 'mlflow']);
  });

  test('the image and the tier run one release', () => {
    expect(KEYCLOAK_IMAGE).toBe(`quay.io/keycloak/keycloak:${KEYCLOAK_VERSION}`);
    expect(KEYCLOAK_VERSION).toMatch(/^26\.\d+\.\d+$/);
  });
});

describe('sso: the pure parts', () => {
  test('one JupyterHub client per team with a workspace (at its URL), MLflow and Airflow, each with its callback', () => {
    const consumers = ssoConsumers({ airflow: 'https://airflow.example.com' }, [
      { name: 'b', hubUrl: 'https://b.nb.example.com/' },
      { name: 'c' },
      { name: 'a', hubUrl: 'https://a.nb.example.com' },
    ]);
    expect(realmClients(consumers).map((c) => [c.clientId, c.redirectUri, c.secretEnv])).toEqual([
      ['airflow', 'https://airflow.example.com/auth/oauth-authorized/keycloak', 'SSO_CLIENT_SECRET_AIRFLOW'],
      ['jupyterhub-a', 'https://a.nb.example.com/hub/oauth_callback', 'SSO_CLIENT_SECRET_JUPYTERHUB_A'],
      ['jupyterhub-b', 'https://b.nb.example.com/hub/oauth_callback', 'SSO_CLIENT_SECRET_JUPYTERHUB_B'],
    ]);
    expect(clientSecretEnv('jupyterhub-risk-2')).toBe('SSO_CLIENT_SECRET_JUPYTERHUB_RISK_2');
    expect(JSON.stringify(keycloakRealm({ clients: realmClients(consumers), groups: ['x', 'x'], groupsClaim: 'grp' }))).toContain(
      '"claim.name":"grp"',
    );
  });

  test("JupyterHub's GenericOAuthenticator: the team's client, the endpoints, the groups from userinfo, the editor groups only", () => {
    const sso = resolvePlatform('platform', PROPS).spec!.context.sso!;
    const auth = jupyterHubAuth({ sso, team: 'risk', editorGroups: ['risk-editors'], hubUrl: 'https://notebooks.example.com/risk/' });
    expect(auth).toEqual({
      authenticatorClass: 'generic-oauth',
      config: {
        client_id: 'jupyterhub-risk',
        authorize_url: sso.authorizeUrl,
        token_url: sso.tokenUrl,
        userdata_url: sso.userinfoUrl,
        oauth_callback_url: 'https://notebooks.example.com/risk/hub/oauth_callback',
        scope: ['openid', 'profile', 'email'],
        username_claim: 'preferred_username',
        auth_state_groups_key: 'oauth_user.groups',
        allowed_groups: ['risk-editors'],
        manage_groups: true,
        login_service: 'single sign-on',
      },
      env: { name: 'OAUTH_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'modelplane-sso-jupyterhub', key: 'client-secret' } } },
    });
  });
});

describe('sso.keycloak: bad settings', () => {
  const construct = 'SingleSignOn "sso"';
  const kc =
    (over: Obj, props: PlatformProps = {}) =>
    () =>
      new Platform(new App(), 'platform', { ...props, sso: { keycloak: { ...KEYCLOAK.keycloak!, ...over } } as never });

  test.each<[string, Obj, string, unknown, RegExp]>([
    ['a URL with a path', { url: 'https://sso.example.com/auth' }, 'keycloak.url', 'https://sso.example.com/auth', /host alone/],
    ['plain http', { url: 'http://sso.example.com' }, 'keycloak.url', 'http://sso.example.com', /use https/],
    ['no database', { database: undefined }, 'keycloak.database', undefined, /required/],
    [
      'a database open to everything',
      { database: { secret: 'db', cidrs: ['0.0.0.0/0'] } },
      'keycloak.database.cidrs[0]',
      '0.0.0.0/0',
      /whole internet/,
    ],
    [
      'an unknown database',
      { database: { secret: 'db', cidrs: ['10.0.0.1/32'], vendor: 'sqlite' } },
      'keycloak.database.vendor',
      'sqlite',
      /postgres/,
    ],
    ['an Ingress nobody reaches', { ingressNamespaces: [] }, 'keycloak.ingressNamespaces', [], /ingress controller/],
    ['no replica', { replicas: 0 }, 'keycloak.replicas', 0, /whole number/],
  ])('%s is refused naming the field, the value and a fix', (_name, over, field, value, says) => {
    expect(expectIssue(kc(over), { construct, field, value, says }).within).toBe('sso');
  });

  test('an external issuer beside keycloak is refused', () => {
    const both = () => new Platform(new App(), 'platform', { sso: { ...KEYCLOAK, issuerUrl: 'https://login.example.com/realms/x' } });
    expectIssue(both, { construct, field: 'issuerUrl', value: 'https://login.example.com/realms/x', says: /remove/ });
  });

  test('an Airflow client on a platform without Airflow is refused', () => {
    const noAirflow = kc({ clients: { airflow: 'https://airflow.example.com' } }, { operators: { airflow: { enabled: false } } });
    expectIssue(noAirflow, {
      construct: 'Platform "platform"',
      field: 'sso.keycloak.clients.airflow',
      value: 'https://airflow.example.com',
      says: /operators.airflow.enabled/,
    });
  });
});

describe('sso.keycloak.clients.mlflow: MLflow behind oauth2-proxy (rendered only)', () => {
  const objs = synth();

  test('a restricted oauth2-proxy in the platform namespace: OIDC with the issuer, PKCE, every team editor group let in', () => {
    const pod = find(objs, 'Deployment', 'mlflow-proxy')!.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('quay.io/oauth2-proxy/oauth2-proxy:v7.15.6');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.args).toEqual(
      expect.arrayContaining([
        '--provider=oidc',
        '--oidc-issuer-url=https://sso.example.com/realms/modelplane',
        '--client-id=mlflow',
        '--redirect-url=https://mlflow.example.com/oauth2/callback',
        '--upstream=http://mlflow.modelplane-system.svc.cluster.local:5000',
        '--redeem-url=http://keycloak.modelplane-system.svc.cluster.local:8080/realms/modelplane/protocol/openid-connect/token',
        '--code-challenge-method=S256',
        '--oidc-groups-claim=groups',
      ]),
    );
    expect(c.args.filter((a: string) => a.startsWith('--allowed-group='))).toEqual([
      '--allowed-group=fraud-editors',
      '--allowed-group=fraud-leads',
      '--allowed-group=risk-editors',
    ]);
    expect(c.env).toEqual([
      { name: 'OAUTH2_PROXY_CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'modelplane-sso-mlflow', key: 'client-secret' } } },
      { name: 'OAUTH2_PROXY_COOKIE_SECRET', valueFrom: { secretKeyRef: { name: 'modelplane-sso-mlflow-cookie', key: 'cookie-secret' } } },
    ]);
    const secrets = JSON.parse(find(objs, 'ConfigMap', 'modelplane-secret-bootstrap')!.data['secrets.json']) as Obj[];
    expect(secrets).toContainEqual({ name: 'modelplane-sso-mlflow-cookie', keys: ['cookie-secret'] });
    expect(find(objs, 'Ingress', 'mlflow-proxy')!.spec.rules[0]).toMatchObject({ host: 'mlflow.example.com' });
    const egress = find(objs, 'NetworkPolicy', 'mlflow-proxy')!.spec.egress as Obj[];
    expect(egress.map((r) => r.ports.map((p: Obj) => p.port))).toEqual([[53, 53], [5000], [8080]]);
  });

  test('an Ingress straight to MLflow beside the proxy is refused', () => {
    const around = () =>
      new Platform(new App(), 'platform', { ...PROPS, mlflow: { ingressHost: 'mlflow.example.com', ingressClassName: 'nginx' } });
    expectIssue(around, { construct: 'Platform "platform"', field: 'mlflow.ingressHost', value: 'mlflow.example.com', says: /proxy/ });
  });

  test('no proxy without an mlflow client', () => {
    const none = synth({ ...PROPS, sso: { keycloak: { ...KEYCLOAK.keycloak!, clients: {} } } });
    expect(find(none, 'Deployment', 'mlflow-proxy')).toBeUndefined();
  });
});
