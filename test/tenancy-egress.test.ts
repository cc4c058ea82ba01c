/**
 * Egress: default-deny egress has no hole to the world. The Spark drivers of every team namespace
 * and the secret-bootstrap Job reach the Kubernetes API server by its addresses (the platform's
 * `apiServer` setting, passed to the teams through the PlatformContext), never "any address on
 * 443/6443"; every egress rule of the whole output names where it goes (`to`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdk8s';
import fc from 'fast-check';
import { SecretBootstrap } from '../src/constructs/mlflow/secret-bootstrap';
import { Platform, PlatformProps } from '../src/constructs/platform/platform';
import { TeamSpace } from '../src/constructs/team-space';
import { DEFAULT_API_SERVER, platformContext } from '../src/core/context';
import { isCidr } from '../src/core/network';
import { run } from '../src/frontends/cli/main';
import { buildPlatform, defaultConfig } from '../stacks/build';
import { expectIssue } from './support/errors';
import { appObjects, findObject } from './support/manifests';

type Obj = Record<string, any>;

const ports = (...ps: number[]) => ps.map((port) => ({ port, protocol: 'TCP' }));
const blocks = (...cidrs: string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

/** Every egress rule of every NetworkPolicy, with the policy it is in. */
function egressRules(objs: readonly Obj[]): Array<{ policy: string; rule: Obj }> {
  return objs
    .filter((o) => o.kind === 'NetworkPolicy')
    .flatMap((o) => ((o.spec.egress ?? []) as Obj[]).map((rule) => ({ policy: `${o.metadata.namespace}/${o.metadata.name}`, rule })));
}

/** The rules that let pods reach more than named peers: no `to` (any address), an empty `to`, or a /0 block. */
function holes(objs: readonly Obj[]): string[] {
  return egressRules(objs)
    .filter(({ rule }) => !Array.isArray(rule.to) || rule.to.length === 0 || rule.to.some((p: Obj) => /\/0$/.test(p.ipBlock?.cidr ?? '')))
    .map(({ policy, rule }) => `${policy}: ${JSON.stringify(rule)}`);
}

describe('the default API server addresses', () => {
  test('are the private address ranges on 443 and 6443 (documented: set apiServer to your endpoints)', () => {
    expect(DEFAULT_API_SERVER).toEqual({ cidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], ports: [443, 6443] });
    expect(platformContext().apiServer).toEqual(DEFAULT_API_SERVER);
  });
});

describe('TeamSpace: allow-spark-apiserver', () => {
  const policy = (platform = platformContext()) => {
    const chart = Testing.chart();
    new TeamSpace(chart, 'risk', { name: 'risk', platform });
    return findObject(Testing.synth(chart), 'NetworkPolicy', 'allow-spark-apiserver').spec;
  };

  test('by default: the drivers reach the private ranges on 443 and 6443 only', () => {
    expect(policy().egress).toEqual([{ to: blocks('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'), ports: ports(443, 6443) }]);
  });

  test("the platform's setting: exactly its addresses and ports", () => {
    const platform = platformContext({ apiServer: { cidrs: ['172.18.0.2/32', 'fd00:10::/64'], ports: [6443] } });
    expect(policy(platform).egress).toEqual([{ to: blocks('172.18.0.2/32', 'fd00:10::/64'), ports: ports(6443) }]);
  });

  test('a bad setting in the context is refused at platform.apiServer', () => {
    const platform = platformContext({ apiServer: { cidrs: ['0.0.0.0/0'], ports: [443] } });
    expectIssue(() => new TeamSpace(Testing.chart(), 'risk', { name: 'risk', platform }), {
      construct: 'TeamSpace "risk"',
      field: 'platform.apiServer.cidrs[0]',
      value: '0.0.0.0/0',
    });
  });

  test('objectStoreCidrs of every address is refused (the same hole for every pod of the team)', () => {
    expectIssue(
      () => new TeamSpace(Testing.chart(), 'risk', { name: 'risk', platform: platformContext(), objectStoreCidrs: ['0.0.0.0/0'] }),
      {
        construct: 'TeamSpace "risk"',
        field: 'objectStoreCidrs[0]',
        value: '0.0.0.0/0',
      },
    );
  });
});

describe('SecretBootstrap', () => {
  const secrets = [{ name: 'mlflow-postgres', keys: ['password'] }];
  const policy = (apiServer?: { cidrs: string[]; ports: number[] }) => {
    const chart = Testing.chart();
    new SecretBootstrap(chart, 'boot', { namespace: 'mp', secrets, apiServer });
    return findObject(Testing.synth(chart), 'NetworkPolicy', 'modelplane-secret-bootstrap').spec;
  };

  test('reaches the API server by its addresses (default: the private ranges)', () => {
    expect(policy().egress).toEqual([{ to: blocks(...DEFAULT_API_SERVER.cidrs), ports: ports(443, 6443) }]);
    expect(policy({ cidrs: ['10.0.0.1/32'], ports: [443] }).egress).toEqual([{ to: blocks('10.0.0.1/32'), ports: ports(443) }]);
  });

  test('a bad apiServer is refused', () => {
    expectIssue(() => policy({ cidrs: ['10.0.0.1/8'], ports: [443] }), {
      construct: 'SecretBootstrap "boot"',
      field: 'apiServer.cidrs[0]',
      value: '10.0.0.1/8',
      says: /10\.0\.0\.0\/8/,
    });
    expectIssue(() => policy({ cidrs: ['10.0.0.1/32'], ports: [0] }), {
      construct: 'SecretBootstrap "boot"',
      field: 'apiServer.ports[0]',
      value: 0,
    });
  });
});

describe('Platform: the apiServer setting reaches every team and the bootstrap', () => {
  test('the drivers of every team and the bootstrap Job use it', () => {
    const app = Testing.app();
    const apiServer = { cidrs: ['10.20.0.10/32', '10.20.0.11/32'], ports: [6443] };
    const platform = new Platform(app, 'platform', { apiServer, teams: [{ name: 'risk' }, { name: 'geo' }] });
    expect(platform.context.apiServer).toEqual(apiServer);
    const want = [{ to: blocks('10.20.0.10/32', '10.20.0.11/32'), ports: ports(6443) }];
    for (const team of ['risk', 'geo'])
      expect(findObject(platform.teamChart(team).toJson(), 'NetworkPolicy', 'allow-spark-apiserver').spec.egress).toEqual(want);
    // The bootstrap also provisions the embedded object store: its pods by label, on its port.
    expect(findObject(platform.toJson(), 'NetworkPolicy', 'modelplane-secret-bootstrap').spec.egress).toEqual([
      ...want,
      {
        to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'object-store', 'app.kubernetes.io/instance': 'object-store' } } }],
        ports: ports(7070),
      },
    ]);
  });

  test.each<[string, PlatformProps['apiServer'], string, unknown]>([
    ['no address', { cidrs: [] }, 'apiServer.cidrs', []],
    ['every address', { cidrs: ['0.0.0.0/0'] }, 'apiServer.cidrs[0]', '0.0.0.0/0'],
    ['every IPv6 address', { cidrs: ['::/0'] }, 'apiServer.cidrs[0]', '::/0'],
    ['a host name', { cidrs: ['kubernetes.default.svc'] }, 'apiServer.cidrs[0]', 'kubernetes.default.svc'],
    ['an address without prefix', { cidrs: ['10.0.0.1'] }, 'apiServer.cidrs[0]', '10.0.0.1'],
    ['host bits set', { cidrs: ['192.168.1.1/16'] }, 'apiServer.cidrs[0]', '192.168.1.1/16'],
    ['the same CIDR twice', { cidrs: ['10.0.0.1/32', '10.0.0.1/32'] }, 'apiServer.cidrs', '10.0.0.1/32'],
    ['no port', { ports: [] }, 'apiServer.ports', []],
    ['a port out of range', { ports: [70000] }, 'apiServer.ports[0]', 70000],
    ['a port not a whole number', { ports: [443.5] }, 'apiServer.ports[0]', 443.5],
  ])('%s is refused, once', (_what, apiServer, field, value) => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'tenancy-egress-')) });
    const issue = expectIssue(() => new Platform(app, 'platform', { apiServer, teams: [{ name: 'risk' }] }), {
      construct: 'Platform "platform"',
      field,
      value,
    });
    expect(issue.within).toBeUndefined();
  });

  test('isCidr: IPv4 and IPv6, canonical, with a prefix', () => {
    for (const c of ['10.0.0.0/8', '10.0.0.5/32', '0.0.0.0/0', 'fd00::/8', '2001:db8::1/128', '::/0'])
      expect([c, isCidr(c)]).toEqual([c, true]);
    for (const c of ['10.0.0.0', '10.0.0.0/33', '010.0.0.0/8', '10.0.0.1/8', 'fd00::1/8', '::ffff:10.0.0.0/104', 'fe80::1%eth0/64', 'x', 7])
      expect([c, isCidr(c)]).toEqual([c, false]);
  });
});

describe('the platform file: apiServer', () => {
  function cli(args: string[], cwd: string): { code: number; text: string } {
    let text = '';
    const code = run(args, { out: (t) => void (text += t), err: (t) => void (text += t) }, cwd);
    return { code, text };
  }
  const file = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-egress-'));
    writeFileSync(join(dir, 'platform.yaml'), text);
    return { dir, path: join(dir, 'platform.yaml') };
  };

  test('accepted, and used by the drivers of the teams', () => {
    const f = file('apiServer:\n  cidrs: [172.18.0.2/32]\n  ports: [6443]\nteams: [{ name: risk }]\n');
    expect(cli(['validate', '--platform', f.path], f.dir)).toEqual({ code: 0, text: '' });
  });

  test('a bad CIDR at FILE:LINE:COL', () => {
    const f = file('apiServer:\n  cidrs: [0.0.0.0/0]\nteams: [{ name: risk }]\n');
    const r = cli(['validate', '--platform', f.path], f.dir);
    expect(r.code).toBe(1);
    expect(r.text).toContain(`${f.path}:2:11: \`apiServer.cidrs[0]\` = "0.0.0.0/0"`);
  });

  test('an unknown key in it is a schema error', () => {
    const f = file('apiServer:\n  cidr: [10.0.0.1/32]\n');
    const r = cli(['validate', '--platform', f.path], f.dir);
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/unknown field `cidr`.*did you mean `cidrs`/);
  });
});

describe('default-deny egress has no hole to the world', () => {
  test("the README's main job (embedded defaults, with the example models)", () => {
    const app = Testing.app();
    buildPlatform(app, defaultConfig());
    const objs = appObjects(app);
    expect(egressRules(objs).length).toBeGreaterThan(5);
    expect(holes(objs)).toEqual([]);
  });

  const octet = fc.integer({ min: 1, max: 254 });
  const host = fc.tuple(octet, octet, octet, octet).map((o) => `${o.join('.')}/32`);
  const name = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).filter((n) => !n.startsWith('kube'));
  const team = fc.record(
    {
      name,
      objectStoreCidrs: fc.uniqueArray(host, { maxLength: 2 }),
      editorGroups: fc.uniqueArray(
        name.map((n) => `ds-${n}`),
        { maxLength: 2 },
      ),
      quota: fc.record({ gpus: fc.integer({ min: 0, max: 4 }) }),
    },
    { requiredKeys: ['name'] },
  );
  const platformProps: fc.Arbitrary<PlatformProps> = fc.record(
    {
      platformNamespace: fc.constantFrom('modelplane-system', 'mp', 'ml-platform'),
      apiServer: fc.record(
        { cidrs: fc.uniqueArray(host, { minLength: 1, maxLength: 3 }), ports: fc.constantFrom([443], [6443], [443, 6443]) },
        { requiredKeys: [] },
      ),
      teams: fc.uniqueArray(team, { maxLength: 3, selector: (t) => t.name }),
      gpuPools: fc.constantFrom([], [{ name: 'gpu', maxGpus: 8 }]),
      monitoringNamespace: fc.constantFrom('monitoring', 'obs'),
      operators: fc.constantFrom({}, { airflow: { namespace: 'orchestration' } }, { sparkOperator: { namespace: 'spark' } }),
    },
    { requiredKeys: [] },
  );

  test('property: for generated platforms (embedded stores), every egress rule has a `to`, none a /0 block', () => {
    fc.assert(
      fc.property(platformProps, (props) => {
        const reserved = [
          'mp',
          'ml-platform',
          'modelplane-system',
          'monitoring',
          'obs',
          'orchestration',
          'spark',
          'airflow',
          'kserve',
          'keda',
          'default',
        ];
        fc.pre((props.teams ?? []).every((t) => !reserved.includes(t.name) && !t.name.startsWith('seldon')));
        const app = Testing.app();
        new Platform(app, 'platform', props);
        const objs = appObjects(app) as Obj[];
        const found = holes(objs);
        if (found.length > 0) throw new Error(`egress without a destination:\n${found.join('\n')}`);
        // The drivers and the bootstrap go to the setting's addresses only.
        const want = (props.apiServer?.cidrs ?? DEFAULT_API_SERVER.cidrs).map((cidr) => ({ ipBlock: { cidr } }));
        for (const { policy, rule } of egressRules(objs))
          if (
            /allow-spark-apiserver/.test(policy) ||
            (/modelplane-secret-bootstrap/.test(policy) && rule.to.some((t: Obj) => 'ipBlock' in t))
          )
            expect(rule.to).toEqual(want);
        return true;
      }),
      { numRuns: 25 },
    );
  });
});
