/** Property tests (fast-check) of the platform's pure checks and resolve functions. */
import fc from 'fast-check';
import { platformContext } from '../src/core/context';
import { isBucketName } from '../src/constructs/mlflow/embedded-object-store';
import { MLFLOW_PORT, mlflowAllowedHosts, resolveMlflowServer } from '../src/constructs/mlflow/mlflow-server';
import { resolveChart } from '../src/constructs/platform/operators';
import { isExactVersion, resolvePlatform } from '../src/constructs/platform/platform';
import { isIpv4Cidr, resolveTeamSpace, TeamLimitDefaults } from '../src/constructs/team-space';

const octet = fc.integer({ min: 0, max: 255 });
const prefix = fc.integer({ min: 0, max: 32 });
const dnsLabel = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);

describe('isIpv4Cidr', () => {
  test('four octets of 0-255 and a prefix of 0-32 are a CIDR', () => {
    fc.assert(fc.property(fc.tuple(octet, octet, octet, octet), prefix, (o, p) => isIpv4Cidr(`${o.join('.')}/${p}`)));
    fc.assert(fc.property(fc.ipV4(), prefix, (ip, p) => isIpv4Cidr(`${ip}/${p}`)));
  });
  test('an octet above 255, a prefix above 32, or no prefix is not', () => {
    const big = fc.integer({ min: 256, max: 999 });
    fc.assert(
      fc.property(
        big,
        fc.integer({ min: 0, max: 3 }),
        prefix,
        (b, at, p) => !isIpv4Cidr(`${[1, 2, 3, 4].map((x, i) => (i === at ? b : x)).join('.')}/${p}`),
      ),
    );
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 33, max: 99 }), (ip, p) => !isIpv4Cidr(`${ip}/${p}`)));
    fc.assert(fc.property(fc.ipV4(), (ip) => !isIpv4Cidr(ip)));
  });
  test('never throws, whatever it is given', () => {
    fc.assert(fc.property(fc.anything(), (x) => typeof isIpv4Cidr(x) === 'boolean'));
  });
});

describe('isBucketName', () => {
  const edge = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
  const middle = fc.stringMatching(/^[a-z0-9-]{1,61}$/);
  test('3-63 lower-case letters, digits, "-" (and single dots), starting and ending alphanumeric', () => {
    fc.assert(fc.property(edge, middle, edge, (a, m, b) => isBucketName(`${a}${m}${b}`)));
    fc.assert(fc.property(dnsLabel, dnsLabel, (a, b) => isBucketName(`${a}.${b}`) === `${a}.${b}`.length >= 3));
  });
  test('too short, too long, upper case, ".." or a leading "-" is refused', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9]{0,2}$/), (s) => !isBucketName(s)));
    fc.assert(fc.property(fc.stringMatching(/^[a-z0-9]{64,80}$/), (s) => !isBucketName(s)));
    fc.assert(fc.property(edge, middle, edge, (a, m, b) => !isBucketName(`${a}${m.toUpperCase()}X${b}`)));
    fc.assert(fc.property(edge, middle, edge, (a, m, b) => !isBucketName(`${a}${m.slice(0, 58)}..${b}`)));
    fc.assert(fc.property(middle, edge, (m, b) => !isBucketName(`-${m}${b}`)));
  });
});

describe('team quota and LimitRange defaults', () => {
  const platform = platformContext();
  const fields = (limits: TeamLimitDefaults) => (resolveTeamSpace('t', { name: 't', platform, limits }).issues ?? []).map((i) => i.field);
  const millis = fc.integer({ min: 1, max: 64000 });
  const mebibytes = fc.integer({ min: 1, max: 65536 });

  test('a default request above its default limit is always refused', () => {
    fc.assert(
      fc.property(millis, millis, (a, b) => {
        fc.pre(a !== b);
        const [request, limit] = a > b ? [a, b] : [b, a];
        return fields({ cpuRequest: `${request}m`, cpuLimit: `${limit}m` }).includes('limits.cpuRequest');
      }),
    );
    fc.assert(
      fc.property(mebibytes, mebibytes, (a, b) => {
        fc.pre(a !== b);
        const [request, limit] = a > b ? [a, b] : [b, a];
        return fields({ memoryRequest: `${request}Mi`, memoryLimit: `${limit}Mi` }).includes('limits.memoryRequest');
      }),
    );
  });

  test('a default request at most its limit is accepted, in any unit', () => {
    fc.assert(
      fc.property(millis, fc.integer({ min: 0, max: 64000 }), (request, extra) => {
        const cores = (request + extra) / 1000;
        return fields({ cpuRequest: `${request}m`, cpuLimit: String(cores) }).length === 0;
      }),
    );
    fc.assert(fc.property(mebibytes, (mi) => fields({ memoryRequest: `${mi}Mi`, memoryLimit: `${Math.ceil(mi / 1024)}Gi` }).length === 0));
  });

  test('pods must be a positive whole number, GPUs a whole number of at least 0', () => {
    const quotaFields = (quota: object) => (resolveTeamSpace('t', { name: 't', platform, quota }).issues ?? []).map((i) => i.field);
    fc.assert(fc.property(fc.integer({ min: -1000, max: 0 }), (pods) => quotaFields({ pods }).includes('quota.pods')));
    fc.assert(fc.property(fc.integer({ min: 1, max: 100000 }), fc.nat(64), (pods, gpus) => quotaFields({ pods, gpus }).length === 0));
    fc.assert(fc.property(fc.double({ noInteger: true, noNaN: true }), (gpus) => quotaFields({ gpus }).includes('quota.gpus')));
  });
});

describe('mlflowAllowedHosts', () => {
  test('always the Service DNS names with and without the port, and localhost', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, fc.option(fc.domain(), { nil: undefined }), (name, ns, ingress) => {
        const hosts = mlflowAllowedHosts(name, ns, ingress);
        const names = [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`, 'localhost'];
        const ingressHosts = ingress ? [ingress, `${ingress}:443`] : [];
        return (
          names.every((n) => hosts.includes(n) && hosts.includes(`${n}:${MLFLOW_PORT}`)) &&
          ingressHosts.every((h) => hosts.includes(h)) &&
          hosts.length === 10 + ingressHosts.length
        );
      }),
    );
  });

  test('the resolved server allows the host of its own tracking URI', () => {
    fc.assert(
      fc.property(dnsLabel, dnsLabel, (name, ns) => {
        const s = resolveMlflowServer('mlflow', { name, namespace: ns }).spec!;
        return s.allowedHosts.includes(new URL(s.trackingUri).host);
      }),
    );
  });
});

describe('operator charts', () => {
  const defaults = { releaseName: 'r', chart: 'c', repo: '', version: '1.0.0', namespace: 'n', values: { a: { b: 1 }, keep: true } };
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean());
  const values = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), scalar);

  test("the user's values win over computed ones, which win over the defaults; nothing else is lost", () => {
    fc.assert(
      fc.property(values, values, (computed, user) => {
        const v = resolveChart(defaults, computed, { values: user }).values as Record<string, unknown>;
        return (
          Object.entries(user).every(([k, x]) => v[k] === x) &&
          Object.entries(computed).every(([k, x]) => k in user || v[k] === x) &&
          Object.keys(defaults.values).every((k) => k in v)
        );
      }),
    );
  });

  test('an exact version is major.minor.patch, with an optional "v" and pre-release', () => {
    const n = fc.nat(999);
    fc.assert(fc.property(n, n, n, fc.boolean(), (a, b, c, v) => isExactVersion(`${v ? 'v' : ''}${a}.${b}.${c}`)));
    fc.assert(
      fc.property(n, n, (a, b) => !isExactVersion(`${a}.${b}`) && !isExactVersion(`^${a}.${b}.0`) && !isExactVersion(`${a}.${b}.x`)),
    );
  });
});

describe('Platform', () => {
  const teamNames = fc.uniqueArray(fc.stringMatching(/^t[a-z0-9]{0,10}$/), { minLength: 1, maxLength: 6 });

  test("every team's problem is reported, marked with that team's entry", () => {
    fc.assert(
      fc.property(teamNames, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (names, bad) => {
        const teams = names.map((name, i) => (bad[i] ? { name, quota: { cpu: 'lots' } } : { name }));
        const issues = resolvePlatform('platform', { teams }).issues;
        const expected = names.flatMap((_, i) => (bad[i] ? [`teams[${i}]`] : []));
        return (
          JSON.stringify(issues.map((i) => `${i.within}`)) === JSON.stringify(expected) && issues.every((i) => i.field === 'quota.cpu')
        );
      }),
    );
  });

  test('a team named twice is always refused', () => {
    fc.assert(
      fc.property(teamNames, fc.nat(), (names, at) => {
        const teams = [...names, names[at % names.length]].map((name) => ({ name }));
        return resolvePlatform('platform', { teams }).issues.some((i) => i.field === 'teams' && i.problem === 'names the same team twice');
      }),
    );
  });

  test('a team on a namespace of Kubernetes, the platform or an operator is always refused', () => {
    const reserved = fc.constantFrom(
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
      'modelplane-system',
      'monitoring',
      'airflow',
      'keda',
      'kserve',
      'spark-operator',
      'seldon-system',
    );
    fc.assert(
      fc.property(reserved, (name) => resolvePlatform('platform', { teams: [{ name }] }).issues.some((i) => i.field === 'teams[0].name')),
    );
  });
});
