/**
 * The pure resolvers of the batch side: resolveSparkBatchModel (props and platform facts in, resolved
 * model or every issue out) and resolveCascade (props and the team's registered models in), with the
 * cascade contract (ICascadeRunnable) they meet through. No App is needed to resolve.
 */
import { Testing } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { platformContext } from '../src/core/context';
import { orThrow } from '../src/core/errors';
import { CascadeProps } from '../src/constructs/batch/cascade';
import { ICascadeRunnable, isCascadeRunnable, markCascadeRunnable } from '../src/constructs/batch/contracts';
import { CascadeContext, resolveCascade } from '../src/constructs/batch/resolve-cascade';
import { resolveSparkBatchModel } from '../src/constructs/batch/resolve-model';
import { SparkBatchModel, SparkBatchModelProps, sparkBatchTemplates } from '../src/constructs/batch/spark-batch-model';
import { OnlineModel } from '../src/constructs/online/online-model';
import { TeamModel, TeamModels } from '../src/constructs/team-models';

const gpuPools = [
  { name: 'gpu', taint: { key: 'nvidia.com/gpu', effect: 'NoSchedule' as const }, nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' } },
];
const platform = platformContext({ gpuPools });
const context = { team: 'risk', platform };

const base: SparkBatchModelProps = {
  image: 'registry.example.com/risk/models:1.2.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://envs/risk/env-1.2.0.tar.gz', pythonVersion: '3.11' },
  score: { mainApplicationFile: 'local:///app/score.py' },
};

/** Deep-freezes props, so a resolver that wrote into them would throw. */
function frozen<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) frozen(v);
    Object.freeze(o);
  }
  return o;
}

describe('resolveSparkBatchModel', () => {
  test('applies every default', () => {
    const spec = orThrow(resolveSparkBatchModel('churn', base, context));
    expect(spec).toMatchObject({
      id: 'churn',
      name: 'churn',
      team: 'risk',
      orchestrator: 'airflow',
      pythonVersion: '3.11',
      environmentArchive: 's3a://envs/risk/env-1.2.0.tar.gz',
      driver: { cores: 1, memory: '2g' },
      executor: { cores: 1, memory: '2g', instances: 2 },
      sparkConf: {},
      hadoopConf: {},
      env: {},
      retries: 2,
      retryIntervalSeconds: 60,
      timeToLiveSeconds: 86400,
      cascadeReady: false,
    });
    expect(spec.runs).toEqual([
      { job: 'score', mainApplicationFile: 'local:///app/score.py', arguments: [], schedule: undefined, assets: [] },
    ]);
    expect(spec.io).toBeUndefined();
    expect(spec.gpu).toBeUndefined();
    expect(spec.platform).toBe(platform);
  });

  test('runs in train, score order; the cascade side gives download and export stages and the inputs and output env', () => {
    const spec = orThrow(
      resolveSparkBatchModel(
        'churn',
        {
          ...base,
          name: 'churn-v2',
          score: { mainApplicationFile: 'local:///app/score.py', schedule: '0 3 * * *' },
          train: { mainApplicationFile: 'local:///app/train.py', arguments: ['--full'], assets: ['s3://lake/churn'] },
          cascade: {
            inputs: [{ name: 'events', uri: 's3a://lake/events' }],
            outputPath: 's3a://predictions/churn',
            export: { mainApplicationFile: 'local:///app/export.py' },
          },
        },
        context,
      ),
    );
    expect(spec.name).toBe('churn-v2');
    expect(spec.runs.map((r) => r.job)).toEqual(['train', 'score']);
    expect(spec.runs[0]).toMatchObject({ arguments: ['--full'], assets: ['s3://lake/churn'] });
    expect(spec.runs[1].schedule).toBe('0 3 * * *');
    expect(spec.cascadeReady).toBe(true);
    expect(spec.io).toEqual({
      env: { MODELPLANE_INPUTS: '[{"name":"events","uri":"s3a://lake/events"}]', MODELPLANE_OUTPUT: 's3a://predictions/churn' },
      stages: [
        { stage: 'download', mainApplicationFile: 'local:///app/score.py', arguments: ['--modelplane-stage', 'download'] },
        { stage: 'export', mainApplicationFile: 'local:///app/export.py', arguments: ['--modelplane-stage', 'export'] },
      ],
    });
  });

  test('a Hive output table is passed on as hive:<table>', () => {
    const spec = orThrow(resolveSparkBatchModel('churn', { ...base, cascade: { outputTable: 'scores.churn' } }, context));
    expect(spec.io?.env.MODELPLANE_OUTPUT).toBe('hive:scores.churn');
  });

  test("the GPU pool is found in the platform's pools (data in the context), with count and role defaults", () => {
    const spec = orThrow(resolveSparkBatchModel('churn', { ...base, gpu: { pool: 'gpu' } }, context));
    expect(spec.gpu).toEqual({ pool: gpuPools[0], count: 1, on: 'executor' });
    const r = resolveSparkBatchModel('churn', { ...base, gpu: { pool: 'gpu' } }, { team: 'risk', platform: platformContext() });
    expect(r.issues).toEqual([expect.objectContaining({ field: 'gpu.pool', problem: 'is not a GPU pool of the platform (known: none)' })]);
  });

  test('returns every issue, in prop order, with kind and id as data and no spec', () => {
    const r = resolveSparkBatchModel(
      'churn',
      { ...base, name: 'Churn', driver: { cores: 0 }, retries: 11, cascade: { outputTable: 'bad' } } as SparkBatchModelProps,
      context,
    );
    expect(r.spec).toBeUndefined();
    expect(r.issues.map((i) => i.field)).toEqual(['name', 'driver.cores', 'retries', 'cascade.outputTable']);
    for (const i of r.issues) expect(i).toMatchObject({ kind: 'SparkBatchModel', id: 'churn', construct: 'SparkBatchModel "churn"' });
  });

  test('is pure: frozen props, the same result twice, no construct needed', () => {
    const props = frozen({ ...base, env: { A: 'b' }, cascade: { inputs: [{ name: 'x', uri: 's3a://l/x' }], outputTable: 'a.b' } });
    expect(resolveSparkBatchModel('churn', props, context)).toEqual(resolveSparkBatchModel('churn', props, context));
  });

  test('the templates render from the resolved model alone, one per run and stage, in key order', () => {
    const spec = orThrow(
      resolveSparkBatchModel(
        'churn',
        { ...base, train: { mainApplicationFile: 'local:///t.py' }, cascade: { outputTable: 'a.b' } },
        context,
      ),
    );
    const templates = sparkBatchTemplates(spec);
    expect(Object.keys(templates)).toEqual(['download.json', 'export.json', 'score.json', 'train.json']);
    expect(templates['train.json']).toMatchObject({
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'churn-train', namespace: 'risk' },
    });
  });
});

/** A cascade-runnable model as plain data (what a cascade sees of a SparkBatchModel). */
function runnable(modelName: string, over: Partial<ICascadeRunnable> = {}, team = 'risk'): ICascadeRunnable & IConstruct {
  const model = {
    modelName,
    team,
    jobs: ['score'],
    cascadeReady: true,
    stageTemplate: (stage: string, job: string) => ({ stage, job, model: modelName }),
    node: { id: modelName },
    ...over,
  } as unknown as ICascadeRunnable & IConstruct;
  markCascadeRunnable(model);
  return model;
}

const registered = (construct: IConstruct, name: string, kind = 'SparkBatchModel'): TeamModel => ({ name, kind, id: name, construct });

function teamContext(extra: TeamModel[] = []): CascadeContext {
  return { team: 'risk', models: [registered(runnable('a'), 'a'), registered(runnable('b'), 'b'), ...extra] };
}

const blocks: CascadeProps['blocks'] = [
  { name: 'first', models: ['a'] },
  { name: 'second', models: ['b'] },
];

describe('resolveCascade', () => {
  test('applies every default and finds the models by name in the registry', () => {
    const ctx = teamContext();
    const spec = orThrow(resolveCascade('nightly', { blocks }, ctx));
    expect(spec).toMatchObject({
      name: 'nightly',
      team: 'risk',
      dagId: 'risk.nightly',
      job: 'score',
      targets: ['airflow'],
      assets: [],
      stagingUri: 's3a://modelplane-staging/risk/nightly',
      pollIntervalSeconds: 30,
      timeoutSeconds: 21600,
      submitRetries: 2,
      description: 'Cascade nightly of team risk: 2 blocks, 2 models.',
      blocks: [
        { name: 'first', models: ['a'] },
        { name: 'second', models: ['b'] },
      ],
    });
    expect(spec.models.get('a')).toBe(ctx.models[0].construct);
    expect(spec.models.get('b')!.stageTemplate('run', spec.job)).toEqual({ stage: 'run', job: 'score', model: 'b' });
  });

  test('a block entry given as a construct is recognized through the contract, not its class', () => {
    const c = runnable('c');
    const spec = orThrow(resolveCascade('nightly', { blocks: [{ name: 'x', models: [c, 'a'] }] }, teamContext()));
    expect(spec.blocks).toEqual([{ name: 'x', models: ['c', 'a'] }]);
    expect(spec.models.get('c')).toBe(c);
  });

  test('a registered model that is not runnable is reported with its registered kind', () => {
    const api = { node: { id: 'fraud-api' } } as unknown as IConstruct;
    const ctx = teamContext([registered(api, 'fraud-api', 'OnlineModel')]);
    for (const ref of ['fraud-api', api]) {
      const r = resolveCascade('nightly', { blocks: [{ name: 'x', models: [ref] }] }, ctx);
      expect(r.issues).toEqual([
        expect.objectContaining({
          field: 'blocks[0].models[0]',
          value: 'fraud-api',
          problem: 'is an online model (OnlineModel); a cascade runs batch models only',
        }),
      ]);
    }
  });

  test('a construct of another team: its kind comes from its own registration, a runnable one is refused for its team', () => {
    const api = { node: { id: 'oo' } } as unknown as IConstruct;
    const ctx = { ...teamContext(), elsewhere: [registered(api, 'oo', 'OnlineModel')] };
    const r = resolveCascade('n', { blocks: [{ name: 'x', models: [runnable('om', {}, 'other'), api, 'oo'] }] }, ctx);
    expect(r.issues.map((i) => [i.field, i.problem])).toEqual([
      ['blocks[0].models[0]', 'belongs to team "other", not "risk"'],
      ['blocks[0].models[1]', 'is an online model (OnlineModel); a cascade runs batch models only'],
      ['blocks[0].models[2]', 'is not a model of team "risk" (known: a, b)'],
    ]);
  });

  test('checks each runnable model: run, output, one block only', () => {
    const ctx = teamContext([registered(runnable('t', { jobs: ['train'], cascadeReady: false }), 't')]);
    const r = resolveCascade(
      'n',
      {
        blocks: [
          { name: 'x', models: ['t', 'a', 'a'] },
          { name: 'y', models: ['a'] },
        ],
      },
      ctx,
    );
    expect(r.issues.map((i) => [i.field, i.problem])).toEqual([
      ['blocks[0].models[0]', "has no score run, which the cascade's run stage uses"],
      ['blocks[0].models[0]', 'has no cascade output (where its predictions go)'],
      ['blocks[0].models[2]', 'is listed twice in block "x"'],
      ['blocks[1].models[0]', 'is already in block "x"; a model runs in one block only'],
    ]);
  });

  test('returns every issue at once, in prop order, and no spec', () => {
    const r = resolveCascade(
      'nightly',
      {
        name: 'BAD',
        schedule: 'x',
        targets: ['argo'],
        assets: ['s3://a/b'],
        pollIntervalSeconds: 0,
        blocks: [{ name: 'x', models: ['zz'] }],
      },
      teamContext(),
    );
    expect(r.spec).toBeUndefined();
    expect(r.issues.map((i) => i.field)).toEqual(['name', 'schedule', 'assets', 'pollIntervalSeconds', 'blocks[0].models[0]']);
    for (const i of r.issues) expect(i).toMatchObject({ kind: 'Cascade', id: 'nightly' });
  });

  test('is pure: frozen props, the same result twice', () => {
    const props = frozen({ blocks: [{ name: 'x', models: ['a', 'b'] }], targets: ['airflow', 'argo'] as const, schedule: '0 2 * * *' });
    const ctx = teamContext();
    expect(resolveCascade('n', props, ctx)).toEqual(resolveCascade('n', props, ctx));
  });
});

describe('the cascade contract', () => {
  test('SparkBatchModel is cascade-runnable; an OnlineModel, a plain construct and plain data are not', () => {
    const chart = new TeamModels(Testing.app(), 'risk', { platform });
    const batch = new SparkBatchModel(chart, 'churn', { ...base, cascade: { outputTable: 'a.b' } });
    const online = new OnlineModel(chart, 'fraud', { model: 'models:/fraud/1', backend: 'deployment' });
    expect(isCascadeRunnable(batch)).toBe(true);
    expect(isCascadeRunnable(online)).toBe(false);
    expect(isCascadeRunnable(new Construct(chart, 'plain'))).toBe(false);
    expect(isCascadeRunnable({ modelName: 'x', team: 'risk', jobs: ['score'], cascadeReady: true })).toBe(false);
    expect(isCascadeRunnable(undefined)).toBe(false);
    expect(batch.stageTemplate('run', 'score')).toBe(batch.templates['score.json']);
    expect(batch.stageTemplate('download', 'score')).toBe(batch.templates['download.json']);
    expect(chart.model('churn')).toMatchObject({ kind: 'SparkBatchModel', construct: batch });
  });
});
