/**
 * `modelplane operators`: the Helm install script of a platform file — repositories once, every release at its
 * pinned version in installation order with its computed values (Airflow's DAG ConfigMap mounts included),
 * valid shell; the same releases the Pulumi program installs (`Platform.operators`).
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { App } from 'cdk8s';
import YAML from 'yaml';
import { helmInstallScript } from '../src/constructs/platform/operators/helm-addon';
import { buildPlatformFile } from '../src/frontends/config/platform-file';
import { run } from '../src/frontends/cli/main';

const PLATFORM = path.resolve(__dirname, '..', 'examples', 'team-workspaces', 'platform.yaml');

function cli(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('the script installs exactly Platform.operators, in order, each at its pinned version, and is valid bash', () => {
  const { code, out, err } = cli(['operators', '--platform', PLATFORM]);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const { platform } = buildPlatformFile(new App(), PLATFORM);
  const installs = [...out.matchAll(/^helm upgrade --install (\S+) (\S+) --version (\S+) --namespace (\S+) /gm)].map((m) => [
    m[1],
    m[3],
    m[4],
  ]);
  expect(installs).toEqual(platform!.operators.map((r) => [r.releaseName, r.version, r.namespace]));
  expect(installs.map((i) => i[0])).toEqual(['keda', 'spark-operator', 'seldon-core', 'argo-workflows', 'airflow']);
  // Each repository is added once, before any release.
  const adds = [...out.matchAll(/^helm repo add (\S+) (\S+)/gm)].map((m) => m[2]);
  expect(adds).toEqual([...new Set(platform!.operators.filter((r) => r.repo).map((r) => r.repo))]);
  expect(out.indexOf('helm repo update')).toBeLessThan(out.indexOf('helm upgrade'));
  expect(spawnSync('bash', ['-n'], { input: out }).status).toBe(0);
});

test("Airflow's values mount every team's DAG ConfigMap (the values only TypeScript could print before)", () => {
  const { out } = cli(['operators', '--platform', PLATFORM]);
  const body = out.split("cat > modelplane-values/airflow.yaml <<'MODELPLANE_VALUES'\n")[1].split('\nMODELPLANE_VALUES')[0];
  const values = YAML.parse(body);
  expect(values.volumes).toEqual([
    { name: 'dags-b2b-scoring', configMap: { name: 'modelplane-dags-b2b-scoring', optional: true } },
    { name: 'dags-geo-analytics', configMap: { name: 'modelplane-dags-geo-analytics', optional: true } },
  ]);
  expect(values.securityContexts.pod).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
});

test("--workspaces: each team's JupyterHub in its namespace, pinned, values as the construct computed them; the operators script has none", () => {
  const { code, out, err } = cli(['operators', '--platform', PLATFORM, '--workspaces']);
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const { platform } = buildPlatformFile(new App(), PLATFORM);
  const installs = [...out.matchAll(/^helm upgrade --install (\S+) (\S+) --version (\S+) --namespace (\S+) /gm)].map((m) => [
    m[1],
    m[3],
    m[4],
  ]);
  expect(installs).toEqual([
    ['jupyterhub-b2b-scoring', '4.3.3', 'b2b-scoring'],
    ['jupyterhub-geo-analytics', '4.3.3', 'geo-analytics'],
  ]);
  const body = out
    .split("cat > modelplane-values/jupyterhub-geo-analytics.yaml <<'MODELPLANE_VALUES'\n")[1]
    .split('\nMODELPLANE_VALUES')[0];
  expect(YAML.parse(body)).toEqual(JSON.parse(JSON.stringify(platform!.teamReleases[1].values)));
  expect(spawnSync('bash', ['-n'], { input: out }).status).toBe(0);
  expect(cli(['operators', '--platform', PLATFORM]).out).not.toContain('jupyterhub');
  // A platform whose teams have no workspace says so, and installs nothing.
  const none = cli(['operators', '--workspaces']);
  expect(none.code).toBe(0);
  expect(none.out).toMatch(/^# No team has a workspace/);
});

test('helmInstallScript: OCI charts need no repository; empty values are written as {}', () => {
  const script = helmInstallScript(
    [{ releaseName: 'x', chart: 'oci://example.org/charts/x', repo: '', version: '1.2.3', namespace: 'x', values: {} }],
    (v) => YAML.stringify(v),
  );
  expect(script).not.toContain('helm repo add');
  expect(script).toContain("cat > modelplane-values/x.yaml <<'MODELPLANE_VALUES'\n{}\nMODELPLANE_VALUES\n");
  expect(script).toContain(
    'helm upgrade --install x oci://example.org/charts/x --version 1.2.3 --namespace x --create-namespace --wait -f modelplane-values/x.yaml',
  );
});

test('an invalid platform file prints its problems and exits 1, printing no script', () => {
  const r = cli(['operators', '--platform', path.resolve(__dirname, 'corpus', 'yaml', 'platform-unknown-field.yaml')]);
  expect(r.code).toBe(1);
  expect(r.out).toBe('');
  expect(r.err).toContain('nothing was written');
});
