/**
 * Tenancy: a team's namespace is never one of Kubernetes' own, the platform's, Airflow's, monitoring's
 * or an operator's, on every path (the Platform's teams, a TeamSpace, a standalone TeamModels chart,
 * a standalone `modelplane.yaml` through the CLI), all checked against one list.
 */
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing } from 'cdk8s';
import fc from 'fast-check';
import { operatorNamespaces } from '../src/constructs/platform/operators';
import { Platform, resolvePlatform } from '../src/constructs/platform/platform';
import { TeamModels } from '../src/constructs/team-models';
import { resolveTeamSpace, TeamSpace } from '../src/constructs/team-space';
import { DEFAULT_OPERATOR_NAMESPACES, isReservedNamespace, platformContext, reservedNamespaces } from '../src/core/context';
import { ModelplaneValidationError } from '../src/core/errors';
import { run } from '../src/frontends/cli/main';
import { expectIssue } from './support/errors';

const KUBERNETES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];
const CONVENTIONAL = [
  'modelplane-system',
  'airflow',
  'monitoring',
  'spark-operator',
  'kserve',
  'keda',
  'seldon-system',
  'argo',
  'envoy-gateway-system',
];

/** The CLI in process: exit code and what it printed. */
function cli(args: string[], cwd: string): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(args, { out: (t) => void (out += t), err: (t) => void (err += t) }, cwd);
  return { code, out, err };
}

const teamFile = (team: string) => `team: ${team}\nmodels:\n  - { name: fraud, type: online, model: "models:/fraud@champion" }\n`;

describe('one list of reserved namespaces', () => {
  test("Kubernetes' own, any kube-*, and the platform's, Airflow's, monitoring's and every operator's namespace", () => {
    const ctx = platformContext();
    for (const ns of [...KUBERNETES, 'kube-flannel', 'kube-anything', ...CONVENTIONAL])
      expect([ns, isReservedNamespace(ns, ctx)]).toEqual([ns, true]);
    for (const ns of ['risk', 'kubeflow', 'team-kube', 'defaults']) expect([ns, isReservedNamespace(ns, ctx)]).toEqual([ns, false]);
    expect(reservedNamespaces(ctx)).toEqual([...new Set([...KUBERNETES, ...CONVENTIONAL])].sort());
  });

  test("the conventional context's operator namespaces are the operators' pinned defaults", () => {
    expect([...DEFAULT_OPERATOR_NAMESPACES].sort()).toEqual([...new Set(operatorNamespaces({}))].sort());
    expect(platformContext().operatorNamespaces).toEqual(DEFAULT_OPERATOR_NAMESPACES);
  });

  test('a context with other namespaces reserves those', () => {
    const ctx = platformContext({
      platformNamespace: 'mp',
      airflow: { namespace: 'orchestration' },
      monitoringNamespace: 'obs',
      operatorNamespaces: ['spark'],
    });
    for (const ns of ['mp', 'orchestration', 'obs', 'spark', 'kube-system']) expect([ns, isReservedNamespace(ns, ctx)]).toEqual([ns, true]);
    expect(isReservedNamespace('modelplane-system', ctx)).toBe(false);
  });

  test('the Platform, TeamSpace and TeamModels refuse exactly the same names on the same platform (one list)', () => {
    const name = fc.constantFrom(...KUBERNETES, ...CONVENTIONAL, 'kube-x', 'mp', 'orchestration', 'ops-spark', 'risk', 'fraud');
    fc.assert(
      fc.property(name, fc.boolean(), (team, custom) => {
        const props = custom
          ? { platformNamespace: 'mp', operators: { airflow: { namespace: 'orchestration' }, sparkOperator: { namespace: 'ops-spark' } } }
          : {};
        const r = resolvePlatform('platform', { ...props, teams: [{ name: team }] });
        const platformRefuses = r.issues.some((i) => i.field === 'teams[0].name');
        const ctx = resolvePlatform('platform', props).spec!.context;
        let teamModelsRefuses = false;
        try {
          new TeamModels(Testing.app(), team, { platform: ctx });
        } catch {
          teamModelsRefuses = true;
        }
        const spaceRefuses = resolveTeamSpace(team, { name: team, platform: ctx }).issues.some((i) => i.field === 'name');
        return (
          platformRefuses === teamModelsRefuses &&
          spaceRefuses === teamModelsRefuses &&
          teamModelsRefuses === isReservedNamespace(team, ctx)
        );
      }),
      { numRuns: 60 },
    );
  });
});

describe('TeamModels (a standalone team chart)', () => {
  test.each([...KUBERNETES, 'kube-flannel', ...CONVENTIONAL])('team %s is refused at `team`, and nothing is created', (team) => {
    const app = Testing.app();
    const issue = expectIssue(() => new TeamModels(app, team), {
      construct: `TeamModels "${team}"`,
      field: 'team',
      value: team,
      says: /reserved|Kubernetes|platform|operator/,
    });
    expect(issue.fix).toMatch(/another team name/);
    expect(app.charts).toEqual([]);
  });

  test("on a platform with other namespaces, that platform's namespaces are refused", () => {
    const platform = platformContext({ platformNamespace: 'mp', airflow: { namespace: 'orchestration' } });
    expect(() => new TeamModels(Testing.app(), 'orchestration', { platform })).toThrow(ModelplaneValidationError);
    expect(() => new TeamModels(Testing.app(), 'mp', { platform })).toThrow(/`team` = "mp"/);
    expect(new TeamModels(Testing.app(), 'modelplane-system-2', { platform }).namespace).toBe('modelplane-system-2');
  });

  test('an ordinary team name is accepted', () => {
    expect(new TeamModels(Testing.app(), 'risk').team).toBe('risk');
  });
});

describe('TeamSpace', () => {
  test.each(['kube-system', 'default', 'kube-foo', 'modelplane-system', 'keda'])('name %s is refused at `name`', (name) => {
    expectIssue(() => new TeamSpace(Testing.chart(), name, { name, platform: platformContext() }), {
      construct: `TeamSpace "${name}"`,
      field: 'name',
      value: name,
    });
  });

  test('the Platform reports a reserved team name once, at teams[i].name', () => {
    const r = resolvePlatform('platform', { teams: [{ name: 'kube-foo' }] });
    expect(r.issues.filter((i) => /kube-foo/.test(JSON.stringify(i.value))).map((i) => [i.within ?? '', i.field])).toEqual([
      ['', 'teams[0].name'],
    ]);
    expect(resolveTeamSpace('x', { name: 'kube-foo', platform: platformContext() }).issues.map((i) => i.field)).toEqual(['name']);
  });
});

describe('Platform', () => {
  test.each(['kube-system', 'default', 'kube-public', 'kube-other'])(
    'platformNamespace %s is refused (it would get default-deny and restricted Pod Security)',
    (ns) => {
      expectIssue(() => new Platform(new App({ outdir: mkdtempSync(join(tmpdir(), 'tenancy-')) }), 'platform', { platformNamespace: ns }), {
        construct: 'Platform "platform"',
        field: 'platformNamespace',
        value: ns,
      });
    },
  );
});

describe('the CLI on a standalone modelplane.yaml', () => {
  test.each([
    'kube-system',
    'default',
    'kube-public',
    'kube-node-lease',
    'kube-flannel',
    'modelplane-system',
    'airflow',
    'monitoring',
    'keda',
  ])('team: %s is refused at FILE:LINE:COL of `team`, and nothing is written', (team) => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-cli-'));
    const file = join(dir, 'modelplane.yaml');
    writeFileSync(file, teamFile(team));
    const validate = cli(['validate', '-f', file], dir);
    expect(validate.code).toBe(1);
    expect(validate.err + validate.out).toContain(`${file}:1:7: \`team\` = "${team}"`);
    expect(validate.err + validate.out).toMatch(/Fix: choose another team name/);
    const out = join(dir, 'dist');
    const synth = cli(['synth', '-f', file, '-o', out], dir);
    expect(synth.code).toBe(1);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  test('an ordinary team is accepted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-cli-'));
    const file = join(dir, 'modelplane.yaml');
    writeFileSync(file, teamFile('risk'));
    const r = cli(['validate', '-f', file], dir);
    expect([r.code, r.err]).toEqual([0, '']);
  });
});
