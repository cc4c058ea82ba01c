/** TeamModels: the chart model constructs live in; find(), claimName(), gpuPool(); validation. */
import { App, Chart, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { planDeployment, tierOf } from '../src/frontends/pulumi/plan';
import { expectIssue } from './support/errors';

test('a models chart: namespace = team, conventional platform by default, tier models', () => {
  const app = Testing.app();
  const chart = new TeamModels(app, 'risk');
  expect(chart.node.id).toBe('models-risk');
  expect(chart.team).toBe('risk');
  expect(chart.namespace).toBe('risk');
  expect(chart.platform).toEqual(platformContext());
  expect(tierOf(chart)).toBe('models');
  new k8s.KubeConfigMap(chart, 'cm', { metadata: { name: 'x' } });
  expect(chart.toJson()).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'risk' } }]);
  expect(planDeployment(app).groups.map((g) => [g.name, g.tier])).toEqual([['models-risk', 'models']]);
});

test('find() locates the chart from any depth, or says how to fix the scope', () => {
  const app = Testing.app();
  const chart = new TeamModels(app, 'risk');
  const inner = new Construct(new Construct(chart, 'a'), 'b');
  expect(TeamModels.find(inner, 'SparkBatchModel')).toBe(chart);
  expect(() => TeamModels.find(new Construct(Testing.app(), 'loose'), 'SparkBatchModel')).toThrow(
    'SparkBatchModel "loose": must be created inside a TeamModels chart (new TeamModels(app, \'my-team\')), which tells it its team and namespace. Fix: create the model with the TeamModels chart as its scope.',
  );
});

test('claimName(): the same owner may claim twice, another owner may not', () => {
  const chart = new TeamModels(Testing.app(), 'risk');
  chart.claimName('churn', { kind: 'SparkBatchModel', id: 'churn' });
  expect(() => chart.claimName('churn', { kind: 'SparkBatchModel', id: 'churn' })).not.toThrow();
  expectIssue(() => chart.claimName('churn', { kind: 'OnlineModel', id: 'churn-api' }), {
    construct: 'OnlineModel "churn-api"',
    field: 'name',
    value: 'churn',
    says: /already used by SparkBatchModel "churn" in team "risk".*unique name/,
  });
});

test("gpuPool() finds the platform's pools by name", () => {
  const pool = {
    name: 'a100',
    taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' as const },
    nodeLabels: { 'modelplane.dev/gpu-pool': 'a100' },
  };
  const chart = new TeamModels(Testing.app(), 'risk', { platform: platformContext({ gpuPools: [pool] }) });
  expect(chart.gpuPool('a100')).toBe(pool);
  expect(chart.gpuPool('t4')).toBeUndefined();
});

test.each([['Risk'], ['r'.repeat(41)], ['risk team']])('team %s is rejected', (team) => {
  const app = Testing.app();
  expectIssue(() => new TeamModels(app, team), { construct: `TeamModels "${team}"`, field: 'team', value: team });
  expect(app.charts).toEqual([]);
});

describe('TeamModels.find with a plain Chart in between', () => {
  test('a model scoped to a plain Chart (not a TeamModels chart) is rejected, even though cdk8s Chart overrides instanceof', () => {
    const app = new App();
    const plain = new Chart(app, 'plain');
    const c = new Construct(plain, 'model');
    expect(() => TeamModels.find(c, 'OnlineModel')).toThrow(/OnlineModel "model": must be created inside a TeamModels chart/);
    expect(TeamModels.isTeamModels(plain)).toBe(false);
    expect(TeamModels.isTeamModels(new TeamModels(app, 'risk'))).toBe(true);
  });
});
