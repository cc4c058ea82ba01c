/** Cascade: DAG generation contract, team DAG ConfigMap and dist/dags, Argo compile, Mermaid graph; every validation. */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { Cascade, CascadeProps, MAPPED_FROM_MODELS, MAX_MAPPED_BLOCK } from '../src/constructs/batch/cascade';
import { OnlineModel } from '../src/constructs/online/online-model';
import { SparkBatchModel, SparkBatchModelProps } from '../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../src/constructs/team-models';
import { airflowDagValues } from '../src/constructs/batch/team-dags';
import { argoWhen } from '../src/constructs/batch/argo/compile';
import { platformContext } from '../src/core/context';
import { buildPlatform, defaultConfig } from '../stacks/build';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const platform = platformContext();

function modelProps(name: string, extra: Partial<SparkBatchModelProps> = {}): SparkBatchModelProps {
  return {
    image: 'registry.example.com/ml/models:1.0.0',
    sparkVersion: '3.5.5',
    pythonEnv: { archive: `s3a://envs/${name}.tar.gz`, pythonVersion: '3.11' },
    score: { mainApplicationFile: `local:///app/${name}.py` },
    cascade: { inputs: [{ name: 'events', uri: 's3a://lake/events' }], outputTable: 'scores.out' },
    ...extra,
  };
}

function setup(models = ['a', 'b', 'c', 'd'], app: App = Testing.app()) {
  const chart = new TeamModels(app, 'risk', { platform });
  for (const m of models) new SparkBatchModel(chart, m, modelProps(m));
  return chart;
}

const blocks: CascadeProps['blocks'] = [
  { name: 'first', models: ['a', 'b'] },
  { name: 'second', models: ['c'] },
  { name: 'third', models: ['d'] },
];

describe('Cascade to Airflow', () => {
  const chart = setup();
  const cascade = new Cascade(chart, 'nightly', { blocks, schedule: '0 2 * * *' });
  const objs = Testing.synth(chart);
  const py = cascade.dagSource!;

  test('snapshot of the DAG file', () => expect(py).toMatchSnapshot());

  test('DAG id <team>.<cascade>; blocks and models in order', () => {
    expect(cascade.dagId).toBe('risk.nightly');
    expect(py).toContain('DAG_ID = "risk.nightly"');
    expect(py).toMatch(/BLOCKS = \{\n {4}"first": \["a", "b"\],\n {4}"second": \["c"\],\n {4}"third": \["d"\],\n\}/);
  });

  test('task ids <block>.<stage>.<model>.<select|submit|wait>', () => {
    const ids = cascade.taskIds();
    expect(ids).toHaveLength(4 * 3 * 3);
    expect(ids.slice(0, 6)).toEqual([
      'first.download.a.select',
      'first.download.a.submit',
      'first.download.a.wait',
      'first.download.b.select',
      'first.download.b.submit',
      'first.download.b.wait',
    ]);
    expect(py).toContain('task_id="select"');
    expect(py).toContain('task_id="submit"');
    expect(py).toContain('task_id="wait"');
  });

  test('select skips only its own group; joins are none_failed', () => {
    expect(py).toContain('ignore_downstream_trigger_rules=False');
    expect(py).toContain('trigger_rule="none_failed"');
    expect(py).not.toContain('none_failed_min_one_success');
  });

  test('params blocks and models: arrays, default all, multi-select examples', () => {
    expect(py).toMatch(/"blocks": Param\(\n\s+list\(BLOCKS\),\n\s+type="array",/);
    expect(py).toMatch(/"models": Param\(\n\s+MODELS,\n\s+type="array",/);
    expect(py).toContain('examples=MODELS');
  });

  test("the run stage uses the model's score template, download and export their own", () => {
    expect(py).toMatch(/"download": "download.json",\n\s+"run": "score.json",\n\s+"export": "export.json"/);
  });

  test('schedule, retries of submit, reschedule-mode waits', () => {
    expect(py).toContain('schedule="0 2 * * *"');
    expect(py).toContain('SUBMIT_RETRIES = 2');
    expect(py).toContain('mode="reschedule"');
  });

  test("the team DAG ConfigMap in Airflow's namespace carries the file and the .airflowignore", () => {
    const cm = findObject(objs, 'ConfigMap', 'modelplane-dags-risk');
    expect(cm.metadata.namespace).toBe('airflow');
    expect(Object.keys(cm.data)).toEqual(['.airflowignore', 'risk.nightly.py']);
    expect(cm.data['risk.nightly.py']).toBe(py);
    expect(cm.data['.airflowignore']).toContain('..*');
  });

  test("Airflow may read exactly the cascade models' templates", () => {
    expect(findObject(objs, 'Role', 'modelplane-airflow-templates').rules[0].resourceNames).toEqual([
      'a-spark',
      'b-spark',
      'c-spark',
      'd-spark',
    ]);
  });

  test('graph: Mermaid text with blocks, stages and models', () => {
    const g = cascade.graph();
    expect(g).toMatchSnapshot();
    expect(g).toContain('flowchart TB');
    expect(g).toContain('subgraph b__first["block first"]');
    expect(g).toContain('m__first__run__a["a"]');
    expect(g).toContain('b__first --> b__second');
    expect(g).toContain('s__second__download --> s__second__run --> s__second__export');
  });

  test('deterministic: the same input gives the same bytes', () => {
    const again = setup();
    expect(new Cascade(again, 'nightly', { blocks, schedule: '0 2 * * *' }).dagSource).toBe(py);
  });

  test('generated Python stays within 79 columns and has no tabs', () => {
    for (const line of py.split('\n')) {
      expect(line.length).toBeLessThanOrEqual(79);
      expect(line).not.toContain('\t');
    }
  });
});

describe('Cascade to Airflow, mapped form', () => {
  const chart = setup();
  const cascade = new Cascade(chart, 'nightly', { blocks, schedule: '0 2 * * *', airflowForm: 'mapped' });
  const py = cascade.dagSource!;

  test('per block and stage: a select, a task group mapped over the selected models, a join', () => {
    expect(cascade.spec.airflowForm).toBe('mapped');
    expect(cascade.taskIds().slice(0, 3)).toEqual(['first.download_select', 'first.download.submit', 'first.download.wait']);
    expect(cascade.taskIds()).toHaveLength(3 * 3 * 3);
    expect(py).toContain('.expand(model=select.output)');
    expect(py).toContain('map_index_template=MODEL_LABEL');
    expect(py).toContain(`MODEL_LABEL = "{{ task.op_kwargs['model'] }}"`);
    expect(py).toContain('trigger_rule="none_failed"');
    expect(py).not.toContain('ShortCircuitOperator');
    expect(py).toContain('from airflow.sdk import DAG, Param, TaskGroup, task_group');
  });

  test('the same constants, runtime helpers and params as the per-model form', () => {
    const perModel = new Cascade(setup(), 'nightly', { blocks, schedule: '0 2 * * *' }).dagSource!;
    const part = (src: string, from: string, to: string) => src.slice(src.indexOf(from), src.indexOf(to));
    expect(part(py, 'DAG_ID =', '\n# The label')).toBe(part(perModel, 'DAG_ID =', '\n\n\ndef app_name'));
    expect(part(py, 'def app_name', 'def selected_models')).toBe(part(perModel, 'def app_name', 'def selected('));
    expect(py.slice(py.indexOf('    # The trigger form'))).toBe(perModel.slice(perModel.indexOf('    # The trigger form')));
  });

  test('deterministic, within 79 columns, names escaped', () => {
    const again = new Cascade(setup(), 'nightly', { blocks, schedule: '0 2 * * *', airflowForm: 'mapped' }).dagSource;
    expect(again).toBe(py);
    const odd = new Cascade(setup(), 'odd', { blocks, airflowForm: 'mapped', description: 'say """hi""" \\ é' }).dagSource!;
    expect(odd).toContain('say ""\\"hi""\\" \\\\ é');
    expect(odd).toContain('description="say \\"\\"\\"hi\\"\\"\\" \\\\ \\u00e9"');
    for (const line of [...py.split('\n'), ...odd.split('\n')]) {
      expect(line.length).toBeLessThanOrEqual(79);
      expect(line).not.toContain('\t');
    }
  });

  test(`auto: per-model below ${MAPPED_FROM_MODELS} models, mapped from there on`, () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `m${i}`);
    const form = (n: number) => new Cascade(setup(names(n)), 'big', { blocks: [{ name: 'all', models: names(n) }] }).spec.airflowForm;
    expect(form(MAPPED_FROM_MODELS - 1)).toBe('per-model');
    expect(form(MAPPED_FROM_MODELS)).toBe('mapped');
    expect(new Cascade(setup(), 'small', { blocks, airflowForm: 'auto' }).spec.airflowForm).toBe('per-model');
  });

  test(`a block of more than ${MAX_MAPPED_BLOCK} models (Airflow's max_map_length) keeps the per-model form`, () => {
    const names = Array.from({ length: MAX_MAPPED_BLOCK + 1 }, (_, i) => `m${i}`);
    const chart = setup(names);
    const props = { blocks: [{ name: 'huge', models: names }] };
    expect(new Cascade(chart, 'auto', props).spec.airflowForm).toBe('per-model');
    expectIssue(() => new Cascade(chart, 'forced', { ...props, airflowForm: 'mapped' }), {
      construct: 'Cascade "forced"',
      field: 'airflowForm',
      says: /max_map_length \(1024\)/,
    });
  });
});

describe('Cascade to Argo', () => {
  const chart = setup();
  new Cascade(chart, 'nightly', { blocks, schedule: '0 2 * * *', targets: ['argo'] });
  const objs = Testing.synth(chart);
  const wt = findObject(objs, 'WorkflowTemplate', 'nightly');
  const tpl = (name: string) => wt.spec.templates.find((t: any) => t.name === name);

  test('no Airflow DAG when Airflow is not a target', () => {
    expect(objs.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-dags-risk')?.data ?? {}).toEqual({
      '.airflowignore': expect.any(String),
    });
  });

  test('blocks in sequence, stages in sequence, models in parallel', () => {
    expect(tpl('cascade').dag.tasks).toEqual([
      { name: 'first', template: 'block-first' },
      { name: 'second', template: 'block-second', depends: 'first' },
      { name: 'third', template: 'block-third', depends: 'second' },
    ]);
    expect(tpl('block-first').dag.tasks).toEqual([
      { name: 'download', template: 'first-download' },
      { name: 'run', template: 'first-run', depends: 'download' },
      { name: 'export', template: 'first-export', depends: 'run' },
    ]);
    expect(tpl('first-run').dag.tasks.map((t: any) => t.name)).toEqual(['a', 'b']);
  });

  test('`when` on the per-model sub-DAG (Argo does not cascade skips)', () => {
    const task = tpl('first-run').dag.tasks[0];
    expect(task.template).toBe('a-run');
    expect(task.when).toBe(argoWhen('first', 'a'));
    expect(task.when).toBe(
      "'{{workflow.parameters.blocks}}' =~ '(^|,) *first *(,|$)' && '{{workflow.parameters.models}}' =~ '(^|,) *a *(,|$)'",
    );
    expect(tpl('a-run').dag.tasks.map((t: any) => t.name)).toEqual(['submit', 'wait']);
    expect(tpl('a-run').dag.tasks[1].depends).toBe('submit');
  });

  test("resource templates: create the model's SparkApplication; get with COMPLETED/FAILED conditions", () => {
    const submit = tpl('a-run-submit');
    expect(submit.resource.action).toBe('create');
    const manifest = JSON.parse(submit.resource.manifest);
    expect(manifest.kind).toBe('SparkApplication');
    expect(manifest.spec.mainApplicationFile).toBe('local:///app/a.py');
    expect(tpl('spark-wait').resource).toMatchObject({
      action: 'get',
      successCondition: 'status.applicationState.state == COMPLETED',
      failureCondition: 'status.applicationState.state == FAILED',
    });
  });

  test('every workflow pod runs non-root with the RuntimeDefault seccomp profile, whatever the controller defaults to', () => {
    expect(wt.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('parameters default to every block and model; CronWorkflow runs the template on its schedules list', () => {
    expect(wt.spec.arguments.parameters.map((p: any) => [p.name, p.value])).toEqual([
      ['blocks', 'first,second,third'],
      ['models', 'a,b,c,d'],
    ]);
    const cron = findObject(objs, 'CronWorkflow', 'nightly');
    expect(cron.spec.schedules).toEqual(['0 2 * * *']);
    expect(cron.spec.workflowSpec).toEqual({ workflowTemplateRef: { name: 'nightly' } });
  });
});

describe('Cascade delivery', () => {
  test('synth writes every DAG file to <outdir>/dags, removes the stale ones it wrote before, and keeps files it did not write', () => {
    const outdir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'cascade-'));
    const before = new App({ outdir });
    new Cascade(setup(['a', 'b', 'c', 'd'], before), 'old', { blocks });
    before.synth();
    expect(fs.readdirSync(path.join(outdir, 'dags')).sort()).toEqual(['.airflowignore', 'risk.old.py']);
    // A file synth never wrote is never deleted (it used to be: any *.py not produced by this synth went).
    fs.writeFileSync(path.join(outdir, 'dags', 'mine.cascade.py'), '# not written by modelplane');
    const app = new App({ outdir });
    new Cascade(setup(['a', 'b', 'c', 'd'], app), 'nightly', { blocks });
    app.synth();
    expect(fs.readdirSync(path.join(outdir, 'dags')).sort()).toEqual(['.airflowignore', 'mine.cascade.py', 'risk.nightly.py']);
    fs.rmSync(outdir, { recursive: true });
  });

  test("the platform mounts every team's DAG ConfigMap into Airflow, with the worker ServiceAccount and in-cluster connection", () => {
    const { platform: p } = buildPlatform(Testing.app(), { ...defaultConfig(), teams: [{ name: 'risk' }, { name: 'demo' }] });
    const airflow = p.operators.find((o) => o.releaseName === 'airflow')!;
    expect(airflow.values).toMatchObject(airflowDagValues(['demo', 'risk'], p.context));
    expect((airflow.values as any).volumes).toEqual([
      { name: 'dags-demo', configMap: { name: 'modelplane-dags-demo', optional: true } },
      { name: 'dags-risk', configMap: { name: 'modelplane-dags-risk', optional: true } },
    ]);
    expect((airflow.values as any).volumeMounts[1]).toEqual({
      name: 'dags-risk',
      mountPath: '/opt/airflow/dags/modelplane/risk',
      readOnly: true,
    });
    expect((airflow.values as any).workers.serviceAccount.name).toBe('airflow-worker');
    expect((airflow.values as any).config.core.dag_ignore_file_syntax).toBe('glob');
  });

  test('the demo stack has the nightly cascade on Airflow and Argo', () => {
    const app = Testing.app();
    buildPlatform(app, defaultConfig());
    const demo = app.node.findAll().find((c) => c instanceof Cascade) as Cascade;
    expect(demo.dagId).toBe('demo.nightly');
    expect(demo.argoObjects.map((o) => o.kind)).toEqual(['WorkflowTemplate', 'CronWorkflow']);
  });
});

describe('Cascade validation', () => {
  const c = 'Cascade "nightly"';
  const make =
    (props: Partial<CascadeProps>, chart = setup()) =>
    () =>
      new Cascade(chart, 'nightly', { blocks, ...props });

  test('unknown model in a block', () => {
    expectIssue(make({ blocks: [{ name: 'x', models: ['a', 'zz'] }] }), {
      construct: c,
      field: 'blocks[0].models[1]',
      value: 'zz',
      says: /not a model of team "risk"/,
    });
  });

  test('a model in two blocks', () => {
    expectIssue(
      make({
        blocks: [
          { name: 'x', models: ['a'] },
          { name: 'y', models: ['b', 'a'] },
        ],
      }),
      { construct: c, field: 'blocks[1].models[1]', value: 'a', says: /already in block "x"/ },
    );
  });

  test('a model twice in one block', () => {
    expectIssue(make({ blocks: [{ name: 'x', models: ['a', 'a'] }] }), {
      construct: c,
      field: 'blocks[0].models[1]',
      says: /twice in block "x"/,
    });
  });

  test('empty block', () => {
    expectIssue(make({ blocks: [{ name: 'x', models: [] }] }), { construct: c, field: 'blocks[0].models', says: /is empty/ });
  });

  test('no blocks', () => {
    expectIssue(make({ blocks: [] }), { construct: c, field: 'blocks', says: /at least one block/ });
  });

  test('duplicate blocks', () => {
    expectIssue(
      make({
        blocks: [
          { name: 'x', models: ['a'] },
          { name: 'x', models: ['b'] },
        ],
      }),
      { construct: c, field: 'blocks', value: 'x', says: /same block twice/ },
    );
  });

  test('an online model in a cascade (by name and by construct)', () => {
    const chart = setup();
    const online = new OnlineModel(chart, 'fraud-api', { model: 'models:/fraud/1' });
    expectIssue(make({ blocks: [{ name: 'x', models: ['a', 'fraud-api'] }] }, chart), {
      construct: c,
      field: 'blocks[0].models[1]',
      says: /online model \(OnlineModel\)/,
    });
    expectIssue(make({ blocks: [{ name: 'x', models: [online] }] }, chart), {
      construct: c,
      field: 'blocks[0].models[0]',
      says: /batch models only/,
    });
  });

  test('names over limits', () => {
    expectIssue(make({ name: 'n'.repeat(41) }), { construct: c, field: 'name', says: /limit is 40/ });
    expectIssue(make({ blocks: [{ name: 'b'.repeat(41), models: ['a'] }] }), {
      construct: c,
      field: 'blocks[0].name',
      says: /limit is 40/,
    });
  });

  test('bad cron', () => {
    expectIssue(make({ schedule: '0 25 * * *' }), { construct: c, field: 'schedule', value: '0 25 * * *', says: /hour/ });
  });

  test('a model without the run the cascade uses, or without an output', () => {
    const chart = setup([]);
    new SparkBatchModel(chart, 'trainer', modelProps('trainer', { score: undefined, train: { mainApplicationFile: 'local:///t.py' } }));
    new SparkBatchModel(chart, 'nooutput', modelProps('nooutput', { cascade: undefined }));
    expectIssue(make({ blocks: [{ name: 'x', models: ['trainer'] }] }, chart), {
      construct: c,
      field: 'blocks[0].models[0]',
      says: /no score run/,
    });
    expectIssue(make({ blocks: [{ name: 'x', models: ['nooutput'] }] }, chart), {
      construct: c,
      field: 'blocks[0].models[0]',
      says: /no cascade output/,
    });
  });

  test('other fields', () => {
    expectIssue(make({ targets: [] }), { construct: c, field: 'targets', says: /at least one/ });
    expectIssue(make({ targets: ['luigi' as never] }), { construct: c, field: 'targets[0]', says: /not a cascade orchestrator/ });
    expectIssue(make({ assets: ['s3://x/y'], targets: ['argo'] }), { construct: c, field: 'assets', says: /Airflow is not a target/ });
    expectIssue(make({ stagingUri: 'hdfs://x' }), { construct: c, field: 'stagingUri', says: /s3a:\/\// });
    expectIssue(make({ pollIntervalSeconds: 0 }), { construct: c, field: 'pollIntervalSeconds', says: /1 to 3600/ });
    expectIssue(make({ job: 'predict' as never }), { construct: c, field: 'job', says: /not a model run/ });
    expectIssue(make({ airflowForm: 'dynamic' as never }), { construct: c, field: 'airflowForm', says: /not an Airflow DAG form/ });
  });

  test('every issue reported at once, and nothing added on error', () => {
    const chart = setup();
    const before = chart.node.findAll().length;
    expect(make({ name: 'BAD', schedule: 'x', blocks: [{ name: 'x', models: ['zz'] }] }, chart)).toThrow(
      /`name`[\s\S]*`schedule`[\s\S]*`blocks\[0\]\.models\[0\]`/,
    );
    expect(chart.node.findAll().length).toBe(before);
  });

  test('a second cascade with the same name in a team is refused', () => {
    const chart = setup();
    new Cascade(chart, 'nightly', { blocks });
    expect(() => new Cascade(chart, 'other', { name: 'nightly', blocks })).toThrow();
  });
});
