/**
 * Tenancy: `editorGroups` that mean "everyone" (Kubernetes' own `system:` groups: every authenticated
 * user, anonymous requests, every ServiceAccount, another namespace's ServiceAccounts, nodes,
 * bootstrap tokens, ...) are refused unless the platform file confirms them with
 * `allowBroadEditorGroups: true`; the message says who would get `edit` and read the Secrets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import fc from 'fast-check';
import { broadGroupMembers, TeamSpace, TeamSpaceProps } from '../src/constructs/team-space';
import { platformContext } from '../src/core/context';
import { run } from '../src/frontends/cli/main';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const platform = platformContext();

function synth(props: Partial<TeamSpaceProps>) {
  const chart = Testing.chart();
  new TeamSpace(chart, 'risk', { name: 'risk', platform, ...props });
  return Testing.synth(chart);
}

const BROAD: Array<[string, RegExp]> = [
  ['system:authenticated', /every authenticated user/],
  ['system:unauthenticated', /anonymous/],
  ['system:serviceaccounts', /every ServiceAccount/],
  ['system:serviceaccounts:other-team', /ServiceAccount of namespace "other-team"/],
  ['system:serviceaccounts:kube-system', /ServiceAccount of namespace "kube-system"/],
  ['system:nodes', /node/],
  ['system:bootstrappers', /bootstrap token/],
  ['system:bootstrappers:kubeadm:default-node-token', /bootstrap token/],
  ['system:masters', /administrators/],
  ['system:monitoring', /Kubernetes assigns/],
];

describe('broad editor groups are refused unless confirmed', () => {
  test.each(BROAD)('%s: refused at editorGroups[i], saying who would get edit and read Secrets', (group, who) => {
    const issue = expectIssue(() => synth({ editorGroups: ['ds-risk', group] }), {
      construct: 'TeamSpace "risk"',
      field: 'editorGroups[1]',
      value: group,
    });
    expect(issue.problem).toMatch(who);
    expect(issue.problem).toMatch(/`edit` in namespace "risk"/);
    expect(issue.problem).toMatch(/Secrets/);
    expect(issue.fix).toMatch(/allowBroadEditorGroups: true/);
  });

  test.each(BROAD)('%s: accepted with allowBroadEditorGroups: true, and bound to edit', (group) => {
    const objs = synth({ editorGroups: [group], allowBroadEditorGroups: true });
    expect(findObject(objs, 'RoleBinding', 'modelplane-team-editors').subjects).toEqual([
      { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group },
    ]);
  });

  test("the team namespace's own ServiceAccounts are no broad group", () => {
    expect(broadGroupMembers('system:serviceaccounts:risk', 'risk')).toBeUndefined();
    expect(() => synth({ editorGroups: ['system:serviceaccounts:risk'] })).not.toThrow();
  });

  test('allowBroadEditorGroups must be a boolean', () => {
    expectIssue(() => synth({ allowBroadEditorGroups: 'yes' as unknown as boolean }), {
      construct: 'TeamSpace "risk"',
      field: 'allowBroadEditorGroups',
      value: 'yes',
    });
  });

  test('property: a group is refused unconfirmed exactly when it is a system: group other than the own ServiceAccounts', () => {
    const group = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9:@._-]{0,30}$/),
      fc.stringMatching(/^system:[a-z0-9:._-]{0,30}$/),
      fc.constantFrom(...BROAD.map(([g]) => g), 'system:serviceaccounts:risk'),
    );
    fc.assert(
      fc.property(group, (g) => {
        const broad = g.startsWith('system:') && g !== 'system:serviceaccounts:risk';
        let refused = false;
        try {
          synth({ editorGroups: [g] });
        } catch {
          refused = true;
        }
        const confirmed = synth({ editorGroups: [g], allowBroadEditorGroups: true }).length > 0;
        return refused === broad && confirmed && (broadGroupMembers(g, 'risk') !== undefined) === broad;
      }),
      { numRuns: 80 },
    );
  });
});

describe('through the platform file', () => {
  function cli(args: string[], cwd: string): { code: number; text: string } {
    let text = '';
    const code = run(args, { out: (t) => void (text += t), err: (t) => void (text += t) }, cwd);
    return { code, text };
  }

  const platformFile = (extra: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-groups-'));
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, `teams:\n  - name: risk\n    editorGroups: [ds-risk, "system:authenticated"]\n${extra}`);
    return { dir, file };
  };

  test('system:authenticated is an error at FILE:LINE:COL of the group', () => {
    const { dir, file } = platformFile('');
    const r = cli(['validate', '--platform', file], dir);
    expect(r.code).toBe(1);
    expect(r.text).toContain(`${file}:3:29: \`teams[0].editorGroups[1]\` = "system:authenticated"`);
    expect(r.text).toMatch(/every authenticated user/);
    expect(r.text).toMatch(/Fix: .*allowBroadEditorGroups: true/);
  });

  test('confirmed in the team entry, it is accepted', () => {
    const { dir, file } = platformFile('    allowBroadEditorGroups: true\n');
    const r = cli(['validate', '--platform', file], dir);
    expect([r.code, r.text]).toEqual([0, '']);
  });
});
