/**
 * Run-time values ({{ ds }}, {{ params.NAME }}, …) in batch models' arguments and env values: substituted
 * by the generated DAG's submit task from the run's context (never by Airflow's Jinja), translated for
 * Argo with every other `{{` kept out of Argo manifests, refused on the Spark operator; plus the plain-text
 * and 32-bit bounds of batch models and cascades.
 */
import { Testing } from 'cdk8s';
import { submitTemplate } from '../src/constructs/batch/argo/compile';
import { Cascade, CascadeProps } from '../src/constructs/batch/cascade';
import { SparkBatchModel, SparkBatchModelProps } from '../src/constructs/batch/spark-batch-model';
import { TeamDags } from '../src/constructs/batch/team-dags';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';
import { compileDags, codePoints, runSubmit, RunContext } from './templates-harness';

const platform = platformContext();
const M = 'SparkBatchModel "churn"';
const C = 'Cascade "nightly"';

const base: SparkBatchModelProps = {
  image: 'registry.example.com/ml/churn:1.2.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://ml-envs/churn/env-1.2.0.tar.gz', pythonVersion: '3.11' },
  score: {
    mainApplicationFile: 'local:///app/score.py',
    arguments: ['--date', '{{ ds }}', '--day={{ds_nodash}}', '--run', '{{ run_id }}', '--plain', '} { }}'],
    schedule: '0 3 * * *',
  },
  env: { STAMP: '{{ ts }}', WHEN: '{{ logical_date }}', LEVEL: 'info' },
  cascade: { inputs: [{ name: 'events', uri: 's3a://lake/events' }], outputTable: 'scores.churn' },
};

function synth(props: Partial<SparkBatchModelProps> = {}, cascade?: Partial<CascadeProps>) {
  const chart = new TeamModels(Testing.app(), 'risk', { platform });
  const model = new SparkBatchModel(chart, 'churn', { ...base, ...props });
  const c = cascade ? new Cascade(chart, 'nightly', { blocks: [{ name: 'all', models: ['churn'] }], ...cascade }) : undefined;
  const objs = Testing.synth(chart);
  return { chart, model, cascade: c, objs, dags: TeamDags.of(chart).data() };
}

const make = (props: Partial<SparkBatchModelProps>) => () => synth(props);
const makeCascade = (props: Partial<SparkBatchModelProps>, cascade: Partial<CascadeProps>) => () => synth(props, cascade);

const RUN: RunContext = {
  dagId: 'risk.churn.score',
  runId: 'scheduled__2024-05-17T03:00:00+00:00',
  runAfter: '2024-05-17T03:00:00+00:00',
  logical_date: '2024-05-17T03:00:00+00:00',
  data_interval_start: '2024-05-16T03:00:00+00:00',
  data_interval_end: '2024-05-17T03:00:00+00:00',
  conf: {},
  params: {},
};

/** Runs the model DAG's submit for each context, with the model's own template ConfigMap. */
function submitModel(s: ReturnType<typeof synth>, contexts: RunContext[]) {
  const cm = findObject(s.objs, 'ConfigMap', 'churn-spark');
  return runSubmit(
    contexts.map((context) => ({
      source: s.dags['risk.churn.score.py'],
      configMap: cm.data,
      opKwargs: { model: 'churn', step: 'score', template: 'score.json', env: {} },
      context,
    })),
  );
}

describe('Airflow: the DAG substitutes the run-time values from the run, not with Jinja', () => {
  const s = synth({
    score: { ...base.score!, arguments: [...base.score!.arguments!, '--segment', '{{ params.segment }}'] },
    env: { ...base.env, WINDOW: '{{ data_interval_start }}/{{ data_interval_end }}' },
  });
  type Result = ReturnType<typeof runSubmit>[number];
  let scheduled: Result, noConf: Result, noLogicalDate: Result, jsonParam: Result;
  beforeAll(() => {
    [scheduled, noConf, noLogicalDate, jsonParam] = submitModel(s, [
      { ...RUN, conf: { segment: 'retail' }, params: { segment: 'retail' } },
      RUN,
      {
        ...RUN,
        logical_date: null,
        data_interval_start: null,
        data_interval_end: null,
        runAfter: '2024-06-01T12:30:00+00:00',
        params: { segment: 'x' },
      },
      { ...RUN, params: { segment: ['a', 1] } },
    ]);
  });

  test('the template in the ConfigMap keeps the macros; the SparkApplication carries the run date', () => {
    expect(JSON.parse(findObject(s.objs, 'ConfigMap', 'churn-spark').data['score.json']).spec.arguments[1]).toBe('{{ ds }}');
    expect(scheduled.error).toBeUndefined();
    expect(scheduled.app.spec.arguments).toEqual([
      '--date',
      '2024-05-17',
      '--day=20240517',
      '--run',
      RUN.runId,
      '--plain',
      '} { }}',
      '--segment',
      'retail',
    ]);
  });

  test('env values of the driver and the executors are substituted too; the run env is still added', () => {
    for (const role of ['driver', 'executor']) {
      const env = scheduled.app.spec[role].envVars;
      expect(env.STAMP).toBe('2024-05-17T03:00:00+00:00');
      expect(env.WHEN).toBe('2024-05-17T03:00:00+00:00');
      expect(env.WINDOW).toBe('2024-05-16T03:00:00+00:00/2024-05-17T03:00:00+00:00');
      expect(env.LEVEL).toBe('info');
      expect(env.MODELPLANE_RUN_ID).toBe(RUN.runId);
    }
  });

  test('a run without the param fails its submit task, naming the param and the conf to give', () => {
    expect(noConf.ok).toBe(false);
    expect(noConf.error).toMatch(/AirflowFailException|StubError/);
    expect(noConf.error).toContain("{{ params.segment }}: the run has no param 'segment'");
  });

  test('a run without a logical date takes the time it was queued for every date', () => {
    expect(noLogicalDate.error).toBeUndefined();
    expect(noLogicalDate.app.spec.arguments.slice(0, 3)).toEqual(['--date', '2024-06-01', '--day=20240601']);
    expect(noLogicalDate.app.spec.driver.envVars.WINDOW).toBe('2024-06-01T12:30:00+00:00/2024-06-01T12:30:00+00:00');
  });

  test('a param that is not a string is written as JSON', () => {
    expect(jsonParam.app.spec.arguments.at(-1)).toBe('["a", 1]');
  });

  test('the cascade DAG substitutes in every stage', () => {
    const c = synth({}, {});
    const cm = findObject(c.objs, 'ConfigMap', 'churn-spark');
    const [run] = runSubmit([
      {
        source: c.cascade!.dagSource!,
        configMap: cm.data,
        opKwargs: { model: 'churn', step: 'run', template: 'score.json', env: { MODELPLANE_STAGE: 'run' } },
        context: { ...RUN, dagId: 'risk.nightly' },
      },
    ]);
    expect(run.error).toBeUndefined();
    expect(run.app.spec.arguments.slice(0, 2)).toEqual(['--date', '2024-05-17']);
    expect(run.app.spec.executor.envVars.STAMP).toBe('2024-05-17T03:00:00+00:00');
  });
});

describe('Refused everywhere: template syntax that is not a supported run-time value', () => {
  const refusedArgs: Array<[string, RegExp]> = [
    ['{{ macros.ds_add(ds, 1) }}', /not a run-time value/],
    ["{{ ''.__class__.__mro__[1].__subclasses__() }}", /not a run-time value/],
    ['{{ds|upper}}', /not a run-time value/],
    ['{{\tds }}', /not a run-time value/],
    ['{{{ ds }}', /not a run-time value/],
    ['{{ ds', /never closes it/],
    ['{% if true %}x{% endif %}', /template statements and comments/],
    ['{# note #}', /template statements and comments/],
    ['{{ params.blocks }}', /cascade's own trigger parameter/],
    ['{{ params.9x }}', /not a run-time value/],
  ];
  test.each(refusedArgs)('argument %j is refused, naming the supported macros', (arg, says) => {
    const issue = expectIssue(make({ score: { ...base.score!, arguments: ['--x', arg] } }), {
      construct: M,
      field: 'score.arguments[1]',
      value: arg,
      says,
    });
    expect(issue.fix).toContain('{{ ds }}, {{ ds_nodash }}, {{ ts }}');
    expect(issue.fix).toContain('{{ params.NAME }}');
    expect(issue.fix).toContain('docs/cookbook/run-time-values.md');
  });

  test('env values, the training run and the cascade stages follow the same contract', () => {
    expectIssue(make({ env: { LEVEL: '{{ var.value.secret }}' } }), { construct: M, field: 'env["LEVEL"]', says: /not a run-time value/ });
    expectIssue(make({ train: { mainApplicationFile: 'local:///app/t.py', arguments: ['{{ conn.x }}'] } }), {
      construct: M,
      field: 'train.arguments[0]',
    });
    expectIssue(make({ cascade: { ...base.cascade!, download: { arguments: ['{% raw %}'] } } }), {
      construct: M,
      field: 'cascade.download.arguments[0]',
    });
  });

  test('values passed on as they are hold no template syntax (Airflow renders task arguments: the staging URI)', () => {
    expectIssue(makeCascade({}, { stagingUri: "s3a://b/{{''.__class__}}" }), { construct: C, field: 'stagingUri', says: /"\{\{"/ });
    expectIssue(make({ cascade: { inputs: [{ name: 'e', uri: 's3a://lake/{{ds}}' }], outputTable: 'a.b' } }), {
      construct: M,
      field: 'cascade.inputs[0].uri',
    });
    expectIssue(make({ cascade: { outputPath: 's3a://p/{{ ds }}' } }), { construct: M, field: 'cascade.outputPath' });
    expectIssue(make({ score: { ...base.score!, mainApplicationFile: 'local:///app/{{x}}.py' } }), {
      construct: M,
      field: 'score.mainApplicationFile',
    });
    expectIssue(make({ sparkConf: { 'spark.{{x}}': '1' } }), { construct: M, field: 'sparkConf["spark.{{x}}"]' });
  });

  test("Spark's own placeholders in Spark conf pass through on Airflow", () => {
    const s = synth({ sparkConf: { 'spark.executor.extraJavaOptions': '-Dlog={{APP_ID}}-{{EXECUTOR_ID}}' } });
    const app = JSON.parse(findObject(s.objs, 'ConfigMap', 'churn-spark').data['score.json']);
    expect(app.spec.sparkConf['spark.executor.extraJavaOptions']).toBe('-Dlog={{APP_ID}}-{{EXECUTOR_ID}}');
  });
});

/** Every `{{…}}` tag in any string of an object, as Argo reads them. */
function argoTags(obj: unknown): string[] {
  return [...JSON.stringify(obj).matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1]);
}

const CREATED = '{{workflow.creationTimestamp.Y}}-{{workflow.creationTimestamp.m}}-{{workflow.creationTimestamp.d}}';

describe('Argo: macros in Argo syntax, nothing else of a team reaches Argo', () => {
  test('a model CronWorkflow gets the run date and run id in Argo variables', () => {
    const s = synth({ orchestrator: 'argo' });
    const cron = findObject(s.objs, 'CronWorkflow', 'churn-score');
    const submit = cron.spec.workflowSpec.templates.find((t: any) => t.name === 'spark-submit');
    const app = JSON.parse(submit.resource.manifest);
    expect(app.spec.arguments).toEqual([
      '--date',
      CREATED,
      '--day={{workflow.creationTimestamp.Y}}{{workflow.creationTimestamp.m}}{{workflow.creationTimestamp.d}}',
      '--run',
      '{{workflow.name}}',
      '--plain',
      '} { }}',
    ]);
    expect(app.spec.driver.envVars.STAMP).toBe('{{workflow.creationTimestamp.RFC3339}}');
    expect(app.spec.executor.envVars.WHEN).toBe('{{workflow.creationTimestamp.RFC3339}}');
    // The ConfigMap template (what Airflow and cascades read) keeps the contract's own syntax.
    expect(JSON.parse(findObject(s.objs, 'ConfigMap', 'churn-spark').data['score.json']).spec.arguments[1]).toBe('{{ ds }}');
  });

  test('every tag in the compiled Argo objects is one modelplane wrote', () => {
    const s = synth({ orchestrator: 'argo' }, { targets: ['argo'] });
    const allowed = new Set([
      '=sprig.trunc(10, sprig.sha256sum(workflow.name))',
      'inputs.parameters.name',
      'tasks.submit.outputs.parameters.name',
      'workflow.parameters.blocks',
      'workflow.parameters.models',
      'workflow.name',
      'workflow.creationTimestamp.Y',
      'workflow.creationTimestamp.m',
      'workflow.creationTimestamp.d',
      'workflow.creationTimestamp.RFC3339',
    ]);
    const argo = s.objs.filter((o: any) => o.apiVersion === 'argoproj.io/v1alpha1');
    expect(argo.map((o: any) => o.kind).sort()).toEqual(['CronWorkflow', 'WorkflowTemplate']);
    for (const tag of argoTags(argo)) expect(allowed).toContain(tag);
  });

  test('macros Argo cannot express are refused: data interval, params on a CronWorkflow', () => {
    expectIssue(make({ orchestrator: 'argo', env: { W: '{{ data_interval_start }}' } }), {
      construct: M,
      field: 'env["W"]',
      value: '{{ data_interval_start }}',
      says: /Argo cannot express/,
    });
    expectIssue(make({ orchestrator: 'argo', score: { ...base.score!, arguments: ['{{ params.segment }}'] } }), {
      construct: M,
      field: 'score.arguments[0]',
      says: /CronWorkflow run has no parameters/,
    });
  });

  test("Spark conf values with braces are refused on Argo (Argo would evaluate Spark's {{APP_ID}})", () => {
    expectIssue(make({ orchestrator: 'argo', sparkConf: { 'spark.x': '{{APP_ID}}' } }), { construct: M, field: 'sparkConf["spark.x"]' });
    expectIssue(make({ orchestrator: 'argo', hadoopConf: { 'fs.s3a.x': '{{=1+1}}' } }), { construct: M, field: 'hadoopConf["fs.s3a.x"]' });
  });

  test('a cascade on Argo refuses a model whose values Argo cannot take, at the block entry, naming the model field', () => {
    expectIssue(makeCascade({ env: { W: '{{ data_interval_end }}' } }, { targets: ['argo'] }), {
      construct: C,
      field: 'blocks[0].models[0]',
      value: 'churn',
      says: /the model's env\["W"\] = "\{\{ data_interval_end \}\}" has .*Argo cannot express/,
    });
    expectIssue(makeCascade({ sparkConf: { 'spark.y': '{{APP_ID}}' } }, { targets: ['airflow', 'argo'] }), {
      construct: C,
      field: 'blocks[0].models[0]',
      says: /sparkConf\["spark.y"\].*Argo would evaluate/,
    });
    expectIssue(
      makeCascade(
        { cascade: { ...base.cascade!, export: { arguments: ['{{ params.p }}'] } } },
        { targets: ['argo'], schedule: '0 1 * * *' },
      ),
      { construct: C, field: 'blocks[0].models[0]', says: /cascade\.export\.arguments\[0\].*no parameters/ },
    );
  });

  test('each problem once, though the env is in every stage', () => {
    let message = '';
    try {
      synth({ env: { W: '{{ data_interval_end }}' } }, { targets: ['argo'] });
    } catch (e) {
      message = String(e);
    }
    expect(message.match(/env\["W"\]/g)).toHaveLength(1);
  });

  test('an unscheduled Argo cascade takes {{ params.NAME }} as a required workflow parameter', () => {
    const s = synth({ cascade: { ...base.cascade!, export: { arguments: ['--segment', '{{ params.segment }}'] } } }, { targets: ['argo'] });
    const wt = findObject(s.objs, 'WorkflowTemplate', 'nightly');
    const segment = wt.spec.arguments.parameters.find((p: any) => p.name === 'segment');
    expect(segment).toBeDefined();
    expect(segment.value).toBeUndefined();
    const submit = wt.spec.templates.find((t: any) => t.name === 'churn-export-submit');
    expect(JSON.parse(submit.resource.manifest).spec.arguments).toEqual(['--segment', '{{workflow.parameters.segment}}']);
  });

  test('the safety net: a `{{` that reaches an Argo manifest anyway stops the synth, naming the model and field', () => {
    // A model whose stage template carries an Argo expression (as a hand-made ICascadeRunnable could).
    const manifest = {
      apiVersion: 'x/v1',
      kind: 'SparkApplication',
      metadata: { name: 'm' },
      spec: { sparkConf: { k: '{{=sprig.env("X")}}' } },
    };
    expect(() => submitTemplate('m-run-submit', manifest, 'm', 'run')).toThrow(
      /model "m", step run\): spec\.sparkConf\.k = "\{\{=sprig\.env\(\\"X\\"\)\}\}" holds \{\{=sprig\.env\("X"\)\}\}, which Argo would evaluate/,
    );
  });
});

describe('Spark operator: a ScheduledSparkApplication renders nothing', () => {
  test('macros in a scheduled run or the env are refused', () => {
    expectIssue(make({ orchestrator: 'spark-operator', env: {} }), {
      construct: M,
      field: 'score.arguments[1]',
      value: '{{ ds }}',
      says: /renders no run-time values/,
    });
    expectIssue(make({ orchestrator: 'spark-operator', score: { mainApplicationFile: 'local:///a.py', schedule: '@daily' } }), {
      construct: M,
      field: 'env["STAMP"]',
      says: /ScheduledSparkApplication/,
    });
  });

  test('an unscheduled run may keep macros (only cascades run it)', () => {
    expect(() => synth({ orchestrator: 'spark-operator', score: { ...base.score!, schedule: undefined }, env: {} })).not.toThrow();
  });
});

describe('Plain text: control characters refused in arguments, env, conf and descriptions', () => {
  test.each([
    ['score.arguments[0]', { score: { ...base.score!, arguments: ['a\nb'] } }],
    ['score.arguments[0]', { score: { ...base.score!, arguments: ['a\u0000b'] } }],
    ['env["LEVEL"]', { env: { LEVEL: 'in\u0000fo' } }],
    ['env["LEVEL"]', { env: { LEVEL: 'x\u2028y' } }],
    ['sparkConf["spark.x"]', { sparkConf: { 'spark.x': 'a\u0085b' } }],
    ['hadoopConf["fs.s3a.x"]', { hadoopConf: { 'fs.s3a.x': 'a\u0000' } }],
    ['cascade.export.arguments[0]', { cascade: { ...base.cascade!, export: { arguments: ['\u001b[31m'] } } }],
  ] as Array<[string, Partial<SparkBatchModelProps>]>)('%s with a control character is refused', (field, props) => {
    expectIssue(make(props), { construct: M, field, says: /contains U\+/ });
  });

  test('a credential-like env name never shows its value, even when it holds a control character', () => {
    const issue = expectIssue(make({ env: { DB_PASSWORD: 'hunter2\u0000' } }), {
      construct: M,
      field: 'env["DB_PASSWORD"]',
      value: '<redacted>',
    });
    expect(JSON.stringify(issue)).not.toContain('hunter2');
  });

  test('a cascade description with NUL is refused; backslashes, quotes and emoji give a DAG Python compiles', () => {
    expectIssue(makeCascade({}, { description: 'nightly\u0000' }), { construct: C, field: 'description', says: /NUL/ });
    const description = 'C:\\Users\\risk\\ "quoted" """triple""" 😀 \\N{BULLET} \\x00 ends with a backslash \\';
    const multi = 'first line\nsecond line \\';
    const [one, two] = [description, multi].map((d) => synth({}, { description: d }).cascade!.dagSource!);
    expect(one).not.toMatch(/\\ud83d/);
    const [a, b] = compileDags([one, two]);
    expect(a.error).toBeUndefined();
    expect(a.description).toEqual(codePoints(description));
    expect(a.doc).toContain('C:\\Users\\risk\\ "quoted"');
    expect(a.doc).toContain('😀');
    expect(b.description).toEqual(codePoints(multi));
  });
});

describe('Numeric bounds: 32-bit counts and seconds', () => {
  const I32 = 2_147_483_647;
  test.each([
    ['executor.instances', { executor: { instances: 9223372036854775807 } }],
    ['executor.instances', { executor: { instances: I32 + 1 } }],
    ['dynamicAllocation.maxExecutors', { dynamicAllocation: { minExecutors: 1, maxExecutors: 2 ** 31 } }],
    ['dynamicAllocation.minExecutors', { dynamicAllocation: { minExecutors: 2 ** 40, maxExecutors: 2 ** 41 } }],
    ['retryIntervalSeconds', { retryIntervalSeconds: 2 ** 31 }],
    ['timeToLiveSeconds', { timeToLiveSeconds: 1e12 }],
  ] as Array<[string, Partial<SparkBatchModelProps>]>)('%s above 2147483647 is refused', (field, props) => {
    expectIssue(make(props), { construct: M, field, says: /2147483647/ });
  });

  test('2147483647 itself is accepted and written exactly', () => {
    const s = synth({ executor: { instances: I32 }, timeToLiveSeconds: I32, retryIntervalSeconds: I32 });
    const app = JSON.parse(findObject(s.objs, 'ConfigMap', 'churn-spark').data['score.json']);
    expect(app.spec.executor.instances).toBe(I32);
    expect(app.spec.timeToLiveSeconds).toBe(I32);
  });

  test('a cascade timeout above 2147483647 seconds is refused', () => {
    expectIssue(makeCascade({}, { timeoutSeconds: 2 ** 31 }), { construct: C, field: 'timeoutSeconds', says: /2147483647/ });
  });
});
