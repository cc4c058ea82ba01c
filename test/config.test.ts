/**
 * modelplane.yaml: loading (schema, positions, defaults), the mapping onto the constructs, and
 * every error located at file:line:col with its field path and fix.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Chart, Testing } from 'cdk8s';
import { Cascade } from '../src/constructs/batch/cascade';
import { OnlineModel } from '../src/constructs/online/online-model';
import { SparkBatchModel } from '../src/constructs/batch/spark-batch-model';
import { TeamModels } from '../src/constructs/team-models';
import { buildTeamModels } from '../src/frontends/config/build';
import { ConfigIssue, formatConfigIssue } from '../src/frontends/config/errors';
import { didYouMean, loadConfigFile, loadConfigText, MODELPLANE_SCHEMA } from '../src/frontends/config/load';
import { batchFilePath, batchModelProps, cascadeProps, inputName, onlineFilePath, onlineModelProps } from '../src/frontends/config/map';
import { formatPath, parsePath } from '../src/frontends/config/source';
import { synthToTemp } from '../src/frontends/config/synth';
import type { BatchModelConfig, OnlineModelConfig } from '../src/frontends/config/types';
import { platformContext } from '../src/core/context';

const BASE = `team: risk
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/risk/base-1.0.0.tar.gz
  spark: { version: "3.5.3", conf: { spark.sql.shuffle.partitions: 200 }, driver: { cores: 1, memory: 2g } }
  server: deployment
gpuPools:
  - { name: a100, taint: { key: purpose, value: ml, effect: NoSchedule }, maxGpus: 16 }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    args: ["--date", "{{ ds }}"]
    environment: s3a://envs/risk/churn-1.4.2.tar.gz
    schedule: "0 3 * * *"
    train: { main: s3a://code/risk/churn/train.py, schedule: "0 2 * * 0" }
    spark: { executor: { instances: 4, cores: 2, memory: 4g } }
    inputs: [hive://risk.features_daily]
    output: hive://risk.churn_scores
  - name: ltv
    type: batch
    main: s3a://code/risk/ltv/score.py
    output: hive://risk.ltv_scores
  - name: fraud-api
    type: online
    model: models:/fraud@champion
    replicas: { min: 2, max: 10 }
    autoscale: { cpu: 70 }
    canary: { model: "models:/fraud/4", traffic: 10 }
    resources: { cpu: "1", memory: 2Gi }
cascades:
  - name: nightly
    schedule: "0 1 * * *"
    blocks:
      - { name: scorers, models: [churn, ltv] }
`;

/** Loads and builds text; returns the issues formatted as lines. */
function problems(text: string, file = 'modelplane.yaml'): string[] {
  const built = buildTeamModels(new App(), loadConfigText(file, text));
  return built.issues.map(formatConfigIssue);
}

function onlyIssue(text: string): ConfigIssue {
  const built = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text));
  expect(built.issues.map(formatConfigIssue)).toHaveLength(1);
  return built.issues[0];
}

/** 1-based line of the first line containing `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" not in text`);
  return i + 1;
}

describe('loading', () => {
  test('a valid file loads with no issues and builds the same constructs as the TypeScript API', () => {
    const built = buildTeamModels(new App(), loadConfigText('modelplane.yaml', BASE));
    expect(built.issues).toEqual([]);
    expect(built.chart).toBeInstanceOf(TeamModels);
    expect(built.models.get('churn')).toBeInstanceOf(SparkBatchModel);
    expect(built.models.get('fraud-api')).toBeInstanceOf(OnlineModel);
    expect(built.cascades.get('nightly')).toBeInstanceOf(Cascade);
  });

  test('defaults are merged into models: the model wins, maps merge key by key, only keys of the model type', () => {
    const cfg = loadConfigText('m.yaml', BASE).config!;
    const churn = cfg.models[0] as BatchModelConfig;
    const ltv = cfg.models[1] as BatchModelConfig;
    const api = cfg.models[2] as OnlineModelConfig;
    expect(churn.environment).toBe('s3a://envs/risk/churn-1.4.2.tar.gz');
    expect(ltv.environment).toBe('s3a://envs/risk/base-1.0.0.tar.gz');
    expect(churn.spark).toEqual({
      version: '3.5.3',
      conf: { 'spark.sql.shuffle.partitions': 200 },
      driver: { cores: 1, memory: '2g' },
      executor: { instances: 4, cores: 2, memory: '4g' },
    });
    expect(api.server).toBe('deployment');
    expect((api as unknown as Record<string, unknown>).spark).toBeUndefined();
    expect((churn as unknown as Record<string, unknown>).server).toBeUndefined();
  });

  test('the file on disk: a missing file is one issue naming the fix', () => {
    const l = loadConfigFile('/nonexistent/modelplane.yaml');
    expect(l.issues.map(formatConfigIssue)).toEqual([
      '/nonexistent/modelplane.yaml: the file does not exist. Fix: pass the path of your modelplane.yaml with -f, or create one with `modelplane init`.',
    ]);
  });

  test.each([
    ['', 'the file is empty'],
    ['- a\n- b\n', 'must be a map of fields'],
  ])('an unusable document %j is reported', (text, says) => {
    const p = problems(text);
    expect(p).toHaveLength(1);
    expect(p[0]).toContain(says);
  });
});

describe('errors name file, line, column, field and fix', () => {
  test('YAML syntax errors and duplicate keys carry their position', () => {
    const dup = problems('team: risk\nteam: fraud\nmodels: []\n');
    expect(dup).toEqual(['modelplane.yaml:2:1: the same key appears twice in one map. Fix: keep one of the two entries.']);
    const bad = problems('team: risk\nmodels:\n  - name: [unclosed\n');
    expect(bad.length).toBeGreaterThan(0);
    expect(bad[0]).toMatch(/^modelplane\.yaml:\d+:\d+: is not valid YAML/);
  });

  test('an unknown key is an error at the key, with a did-you-mean and the allowed keys', () => {
    const text = BASE.replace('    schedule: "0 3 * * *"', '    schedul: "0 3 * * *"');
    const i = onlyIssue(text);
    expect(i).toMatchObject({ line: lineOf(text, 'schedul:'), col: 5, path: 'models[0].schedul' });
    expect(formatConfigIssue(i)).toMatch(
      /unknown field `schedul` in a batch model\. Fix: did you mean `schedule`\? remove it or use one of: name, type, .*schedule/,
    );
  });

  test('unknown keys are errors at every level (top level, defaults, nested maps, cascade blocks)', () => {
    const text = BASE.replace('team: risk', 'team: risk\nowner: alice')
      .replace('  python: "3.11"', '  python: "3.11"\n  pyton: "3.11"')
      .replace('executor: { instances: 4,', 'executor: { instanses: 4,')
      .replace('{ name: scorers, models: [churn, ltv] }', '{ name: scorers, models: [churn, ltv], parallel: true }');
    const p = problems(text);
    expect(p.map((x) => x.match(/`([^`]+)`/)?.[1])).toEqual([
      'owner',
      'defaults.pyton',
      'models[0].spark.executor.instanses',
      'cascades[0].blocks[0].parallel',
    ]);
  });

  test('every problem is listed, sorted by position, not just the first', () => {
    const text = BASE.replace('team: risk', 'team: Risk')
      .replace('    type: online', '    type: onlin')
      .replace('memory: 4g }', 'memory: 4gb }')
      .replace('traffic: 10 }', 'traffic: 150 }');
    const built = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text));
    const lines = built.issues.map((i) => i.line);
    expect(built.issues.map((i) => i.path)).toEqual(['team', 'models[0].spark.executor.memory', 'models[2].type']);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(formatConfigIssue(built.issues[2])).toContain('did you mean "online"?');
  });

  test('type errors say what to write', () => {
    const i = onlyIssue(BASE.replace('max: 10 }', 'max: "10" }'));
    expect(formatConfigIssue(i)).toMatch(/`models\[2\]\.replicas\.max` = "10" must be integer\. Fix: write a whole number/);
    const j = onlyIssue(BASE.replace('replicas: { min: 2, max: 10 }', 'replicas: "many"'));
    expect(formatConfigIssue(j)).toMatch(/`models\[2\]\.replicas` = "many" must be integer or object/);
  });

  test("a construct's own validation is located at the field in the file (cron of a batch model)", () => {
    const text = BASE.replace('schedule: "0 3 * * *"', 'schedule: "0 3 * * * *"');
    const i = onlyIssue(text);
    expect(i).toMatchObject({ line: lineOf(text, '0 3 * * * *'), col: 15, path: 'models[0].schedule' });
    expect(i.problem).toContain('has 6 fields');
    expect(i.problem).toContain('SparkBatchModel "churn"');
    expect(i.fix).toContain('0 3 * * *');
  });

  test('renamed fields are translated back: train.schedule, spark.executor, environment, output', () => {
    const text = BASE.replace('schedule: "0 2 * * 0" }', 'schedule: "0 25 * * 0" }').replace(
      '    output: hive://risk.ltv_scores',
      '    output: s3a://preds/ltv\n    env: { DB_PASSWORD: x }',
    );
    const p = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text)).issues;
    expect(p.map((i) => i.path)).toEqual(['models[0].train.schedule', 'models[1].env.DB_PASSWORD']);
    expect(p[0].line).toBe(lineOf(text, '0 25 * * 0'));
  });

  test("an online model's construct errors map onto replicas/autoscale/canary", () => {
    const text = BASE.replace('replicas: { min: 2, max: 10 }', 'replicas: { min: 12, max: 10 }');
    const i = onlyIssue(text);
    expect(i).toMatchObject({ path: 'models[2].replicas.min', line: lineOf(text, 'min: 12') });
    expect(i.problem).toContain('greater than `replicas.max`');
    expect(i.fix).toBe('make `replicas.min` at most `replicas.max` (10), or raise `replicas.max`');
  });

  test('a GPU pool the file does not declare is an error at gpu.pool', () => {
    const text = BASE.replace(
      '    resources: { cpu: "1", memory: 2Gi }',
      '    resources: { cpu: "1", memory: 2Gi }\n    gpu: { pool: h100 }',
    );
    const i = onlyIssue(text);
    expect(i).toMatchObject({ path: 'models[2].gpu.pool', line: lineOf(text, 'pool: h100') });
    expect(i.fix).toContain('a100');
  });

  test('a bad value that came from defaults is reported where it is written, in defaults', () => {
    const text = BASE.replace('  image: docker.io/apache/spark:3.5.3-python3', '  image: docker.io/apache/spark');
    const p = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text)).issues;
    expect(p.length).toBe(2); // both batch models inherit it
    for (const i of p) {
      expect(i.line).toBe(lineOf(text, 'image: docker.io/apache/spark'));
      expect(i.problem).toContain('has no tag');
    }
  });

  test('cascade errors: an online model (not a batch model), an unknown model, a model in two blocks', () => {
    const text = BASE.replace(
      '{ name: scorers, models: [churn, ltv] }',
      '{ name: scorers, models: [churn, ltv, fraud-api, nope] }\n      - { name: again, models: [churn] }',
    );
    const p = buildTeamModels(new App(), loadConfigText('modelplane.yaml', text)).issues;
    expect(p.map((i) => i.path)).toEqual([
      'cascades[0].blocks[0].models[2]',
      'cascades[0].blocks[0].models[3]',
      'cascades[0].blocks[1].models[0]',
    ]);
    expect(p[0].problem).toContain('"fraud-api" is an online model (OnlineModel); a cascade runs batch models only');
    expect(p[1].problem).toContain('is not a model of team "risk"');
    expect(p[2].problem).toContain('already in block "scorers"');
    expect(p[1].line).toBe(lineOf(text, 'nope'));
  });

  test('duplicate model names point at the second entry and name the first line', () => {
    const text = BASE.replace('  - name: ltv', '  - name: churn');
    const second = text.split('\n').findIndex((l, k) => l === '  - name: churn' && k > lineOf(text, '- name: churn')) + 1;
    expect(problems(text)).toEqual([
      `modelplane.yaml:${second}:11: \`models[1].name\` model "churn" is defined twice (first at line ${lineOf(text, '- name: churn')}). Fix: give every model a unique name, or merge the two entries.`,
    ]);
  });

  test('a model with its own schema problem is not built, so the cascade does not repeat it', () => {
    const p = problems(BASE.replace('    main: s3a://code/risk/ltv/score.py', '    main: s4://code/risk/ltv/score.py'));
    expect(p).toHaveLength(1);
    expect(p[0]).toContain('models[1].main');
  });
});

describe('mapping onto construct props', () => {
  const cfg = loadConfigText('m.yaml', BASE).config!;

  test('batch model', () => {
    expect(batchModelProps(cfg.models[0] as BatchModelConfig)).toEqual({
      name: 'churn',
      image: 'docker.io/apache/spark:3.5.3-python3',
      sparkVersion: '3.5.3',
      pythonEnv: { archive: 's3a://envs/risk/churn-1.4.2.tar.gz', pythonVersion: '3.11' },
      score: { mainApplicationFile: 's3a://code/risk/churn/score.py', arguments: ['--date', '{{ ds }}'], schedule: '0 3 * * *' },
      train: { mainApplicationFile: 's3a://code/risk/churn/train.py', schedule: '0 2 * * 0' },
      cascade: { inputs: [{ name: 'features-daily', uri: 'hive://risk.features_daily' }], outputTable: 'risk.churn_scores' },
      driver: { cores: 1, memory: '2g' },
      executor: { instances: 4, cores: 2, memory: '4g' },
      sparkConf: { 'spark.sql.shuffle.partitions': '200' },
    });
  });

  test('online model: canary becomes two variants splitting traffic; replicas/autoscale become autoscaling', () => {
    expect(onlineModelProps(cfg.models[2] as OnlineModelConfig)).toEqual({
      name: 'fraud-api',
      variants: [
        { name: 'main', model: 'models:/fraud@champion', traffic: 90 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
      ],
      backend: 'deployment',
      resources: { cpu: '1', memory: '2Gi' },
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
    });
    const queue = onlineModelProps({
      name: 'w',
      type: 'online',
      model: 'models:/w/1',
      role: 'queue-worker',
      replicas: { min: 0, max: 5 },
      autoscale: { rabbitmq: { queue: 'jobs', hostSecret: 'rabbit' } },
    });
    expect(queue.autoscaling).toEqual({
      minReplicas: 0,
      maxReplicas: 5,
      rabbitmq: { queueName: 'jobs', hostSecret: { name: 'rabbit', key: 'host' } },
    });
    expect(onlineModelProps({ name: 'f', type: 'online', model: 'models:/f/1', replicas: 3 })).toEqual({
      name: 'f',
      model: 'models:/f/1',
      replicas: 3,
    });
  });

  test('cascade', () => {
    expect(cascadeProps(cfg.cascades![0])).toEqual({
      name: 'nightly',
      schedule: '0 1 * * *',
      blocks: [{ name: 'scorers', models: ['churn', 'ltv'] }],
    });
    expect(cascadeProps({ name: 'c', orchestrator: 'argo', onData: ['s3://x/y'], blocks: [] })).toEqual({
      name: 'c',
      targets: ['argo'],
      assets: ['s3://x/y'],
      blocks: [],
    });
  });

  test('field paths translate back into the file', () => {
    const m = cfg.models[0] as BatchModelConfig;
    expect(batchFilePath(m, 'pythonEnv.archive')).toEqual(['environment']);
    expect(batchFilePath(m, 'pythonEnv.pythonVersion')).toEqual(['python']);
    expect(batchFilePath(m, 'score.arguments[1]')).toEqual(['args', 1]);
    expect(batchFilePath(m, 'train.assets[0]')).toEqual(['train', 'onData', 0]);
    expect(batchFilePath(m, 'sparkConf["spark.x"]')).toEqual(['spark', 'conf', 'spark.x']);
    expect(batchFilePath(m, 'cascade.outputTable')).toEqual(['output']);
    const o = cfg.models[2] as OnlineModelConfig;
    expect(onlineFilePath(o, 'backend')).toEqual(['server']);
    expect(onlineFilePath(o, 'variants[1].traffic')).toEqual(['canary', 'traffic']);
    expect(onlineFilePath(o, 'autoscaling.rabbitmq.queueName')).toEqual(['autoscale', 'rabbitmq', 'queue']);
    expect(inputName('hive://risk.features_daily')).toBe('features-daily');
    expect(inputName('s3a://lake/Features/2024/')).toBe('2024');
    expect(formatPath(parsePath('models[3].spark.conf["spark.sql.x"]'))).toBe('models[3].spark.conf["spark.sql.x"]');
    expect(didYouMean('schedul', ['schedule', 'main'])).toBe('schedule');
    expect(didYouMean('zzzzzz', ['schedule', 'main'])).toBeUndefined();
  });

  test('the YAML and the TypeScript API synthesize identical objects (nothing implemented twice)', () => {
    const fromYaml = Testing.synth(buildTeamModels(Testing.app(), loadConfigText('m.yaml', BASE)).chart!);
    const app = Testing.app();
    const chart = new TeamModels(app, 'risk', {
      platform: platformContext({
        gpuPools: [
          {
            name: 'a100',
            taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' },
            nodeLabels: { 'modelplane.dev/gpu-pool': 'a100' },
            maxGpus: 16,
          },
        ],
      }),
    });
    const spark = {
      image: 'docker.io/apache/spark:3.5.3-python3',
      sparkVersion: '3.5.3',
      driver: { cores: 1, memory: '2g' },
      sparkConf: { 'spark.sql.shuffle.partitions': '200' },
    };
    new SparkBatchModel(chart, 'churn', {
      ...spark,
      name: 'churn',
      pythonEnv: { archive: 's3a://envs/risk/churn-1.4.2.tar.gz', pythonVersion: '3.11' },
      score: { mainApplicationFile: 's3a://code/risk/churn/score.py', arguments: ['--date', '{{ ds }}'], schedule: '0 3 * * *' },
      train: { mainApplicationFile: 's3a://code/risk/churn/train.py', schedule: '0 2 * * 0' },
      executor: { instances: 4, cores: 2, memory: '4g' },
      cascade: { inputs: [{ name: 'features-daily', uri: 'hive://risk.features_daily' }], outputTable: 'risk.churn_scores' },
    });
    new SparkBatchModel(chart, 'ltv', {
      ...spark,
      name: 'ltv',
      pythonEnv: { archive: 's3a://envs/risk/base-1.0.0.tar.gz', pythonVersion: '3.11' },
      score: { mainApplicationFile: 's3a://code/risk/ltv/score.py' },
      cascade: { inputs: [], outputTable: 'risk.ltv_scores' },
    });
    new OnlineModel(chart, 'fraud-api', {
      name: 'fraud-api',
      backend: 'deployment',
      resources: { cpu: '1', memory: '2Gi' },
      variants: [
        { name: 'main', model: 'models:/fraud@champion', traffic: 90 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
      ],
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70 },
    });
    new Cascade(chart, 'nightly', { name: 'nightly', schedule: '0 1 * * *', blocks: [{ name: 'scorers', models: ['churn', 'ltv'] }] });
    expect(fromYaml).toEqual(Testing.synth(chart));
    expect(fromYaml.length).toBeGreaterThan(5);
  });
});

describe('the JSON Schema', () => {
  test('every property has a description (editor completion) and every object forbids unknown keys', () => {
    const missing: string[] = [];
    const open: string[] = [];
    const walk = (node: unknown, path: string, isProperty: boolean): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (isProperty && !('description' in n) && !('$ref' in n)) missing.push(path);
      if (n.type === 'object' && n.properties && n.additionalProperties !== false) open.push(path);
      if (n.properties) for (const [k, v] of Object.entries(n.properties as object)) walk(v, `${path}.${k}`, true);
      for (const key of ['items', 'definitions', 'oneOf', 'allOf']) {
        const child = n[key];
        if (key === 'definitions') for (const [k, v] of Object.entries(child ?? {})) walk(v, `#${k}`, false);
        else if (Array.isArray(child)) child.forEach((c, i) => walk(c, `${path}[${i}]`, false));
        else if (child) walk(child, `${path}[]`, false);
      }
    };
    walk(MODELPLANE_SCHEMA, '', false);
    // Only the nested plain-data maps (secret refs, block entries, periods...) may go without one.
    expect(
      missing.filter(
        (p) =>
          !/\.(name|key|models|value|minExecutors|maxExecutors|initialExecutors|namespace|sectionName|uri|model|from|to|column|key)$/.test(
            p,
          ),
      ),
    ).toEqual([]);
    expect(open.filter((p) => p !== '#model')).toEqual([]);
  });
});

describe('synthToTemp', () => {
  test('a synth-time validation failure is a located problem, and the temporary directory is removed', () => {
    const parent = mkdtempSync(join(tmpdir(), 'mp-synth-'));
    try {
      const r = synthToTemp(`${parent}/out`, (app) => {
        new Chart(app, 'c').node.addValidation({
          validate: () => ['TeamDags "risk": the DAG files are too large. Fix: split the cascades'],
        });
        return { issues: [], source: 'modelplane.yaml' };
      });
      expect(r.dir).toBeUndefined();
      expect(r.issues.map(formatConfigIssue)).toEqual([
        expect.stringMatching(/^modelplane\.yaml: .*TeamDags "risk": the DAG files are too large\. Fix: split the cascades\.$/),
      ]);
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('every field the schema accepts is accepted by the constructs', () => {
  const KITCHEN_SINK = `team: sink
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  environment: s3a://envs/sink/base-1.0.0.tar.gz
  orchestrator: airflow
  server: kserve
  resources: { cpu: 500m, memory: 1Gi }
  spark: { version: "3.5.3" }
gpuPools:
  - { name: ml, taint: { key: purpose, value: ml, effect: NoSchedule }, nodeLabels: { purpose: ml }, maxGpus: 8 }
datasets:
  - { name: sink-data, size: 50Gi, storageClass: csi-rbd, snapshotClass: csi-snapshots, accessModes: [ReadOnlyMany] }
models:
  - name: full-batch
    type: batch
    description: every batch field
    image: docker.io/apache/spark:3.5.3-python3
    main: local:///app/score.py
    args: ["--date", "{{ ds }}"]
    environment: s3a://envs/sink/full-1.0.0.tar.gz
    python: "3.10"
    schedule: "@daily"
    orchestrator: airflow
    train:
      main: s3a://code/sink/train.py
      args: ["--fast"]
      schedule: "0 2 * * 0"
      onData: [s3://lake/sink/daily]
      registers: full
      minNewData: { files: 3 }
      promote: { metric: auc, mode: min, minDelta: 0.1, alias: prod, approval: { timeoutHours: 24 }, canary: { alias: staging, soakMinutes: 15 } }
      notify: [{ slack: sink-alerts }, { webhook: sink-events }]
      snapshot: true
    datasets: [{ dataset: sink-data, mountPath: /data/sink, readOnly: true }]
    spark:
      version: "3.5.3"
      conf: { spark.sql.shuffle.partitions: 64, spark.sql.adaptive.enabled: true }
      hadoopConf: { fs.s3a.connection.maximum: 200 }
      dynamicAllocation: { minExecutors: 1, maxExecutors: 8, initialExecutors: 2 }
      driver: { cores: 1, memory: 2g, memoryOverhead: 512m }
      executor: { instances: 2, cores: 2, memory: 4g, memoryOverhead: 1g }
    inputs: [hive://raw.events, { name: lookup, uri: s3a://lake/lookup }]
    output: s3a://preds/sink/full
    gpu: { pool: ml, count: 1, on: both }
    env: { LOG_LEVEL: info }
    retries: 3
  - name: argo-batch
    type: batch
    main: s3a://code/sink/score.py
    schedule: "0 4 * * *"
    orchestrator: argo
    output: hive://preds.argo_batch
  - name: cron-batch
    type: batch
    main: s3a://code/sink/score.py
    schedule: "0 5 * * *"
    orchestrator: spark-operator
  - name: full-online
    type: online
    description: every online field
    model: models:/full@champion
    server: kserve
    format: mlflow
    role: online
    replicas: { min: 2, max: 6 }
    autoscale: { cpu: 60, memory: 80 }
    canary: { model: "models:/full/7", traffic: 20 }
    resources: { cpu: "1", memory: 2Gi, cpuLimit: "2", ephemeralStorage: 2Gi }
    gpu: { pool: ml, count: 1 }
    image: docker.io/seldonio/mlserver:1.7.1-mlflow
    kserve: { modelFormatVersion: "2", runtime: kserve-mlserver, storageSecret: s3-creds }
    tests:
      - name: full-ref
        reference: |
          a,b,expected
          1,2,0.5
        expectedColumn: expected
        absTolerance: 0.001
        relTolerance: 0.001
        waitSeconds: 300
        image: docker.io/library/python:3.12.7-slim
  - name: ab-online
    type: online
    server: deployment
    variants:
      - { name: a, model: "models:/ab/1", traffic: 50 }
      - { name: b, model: "models:/ab/2", traffic: 50 }
      - { name: mirror, model: "models:/ab/3", shadow: true }
    replicas: 2
    tests: [{ variant: b, referenceUri: "mlflow-artifacts:/reference/ab.csv" }]
    deployment: { hostnames: [ab.models.example.com], gateway: { name: public, namespace: gateways, sectionName: https } }
  - name: promoted
    type: online
    server: deployment
    model: models:/full@prod
    canary: { model: models:/full@staging, traffic: 10 }
  - name: seldon-online
    type: online
    server: seldon
    model: s3://mlflow/artifacts/1/abc/artifacts/model
    shadow: { model: "s3://mlflow/artifacts/1/def/artifacts/model" }
    seldon: { rcloneSecret: rclone-s3 }
  - name: queue
    type: online
    server: deployment
    role: queue-worker
    model: models:/queue@champion
    replicas: { min: 0, max: 4 }
    autoscale: { rabbitmq: { queue: jobs, messagesPerReplica: 10, activationMessages: 1, hostSecret: { name: rabbit, key: url }, protocol: http, vhostName: / } }
cascades:
  - name: full-cascade
    description: every cascade field
    schedule: "0 1 * * *"
    orchestrator: airflow
    job: score
    onData: [s3://lake/sink/ready]
    stagingUri: s3a://staging/sink/full
    blocks:
      - { name: one, models: [full-batch] }
      - { name: two, models: [argo-batch] }
  - name: argo-cascade
    orchestrator: argo
    blocks: [{ name: only, models: [argo-batch] }]
retroTests:
  - name: retro
    model: models:/full/3
    input: mlflow-artifacts:/retro/sink.csv
    period: { from: "2025-01-01", to: "2025-03-31", column: day }
    output: mlflow-artifacts:/retro/out.csv
    excludeColumns: [id]
    resources: { cpu: "1", memory: 2Gi }
    s3CredentialsSecret: s3-creds
    image: docker.io/library/python:3.12.7-slim
`;

  test('a file using every field builds with no problems', () => {
    const built = buildTeamModels(new App(), loadConfigText('sink.yaml', KITCHEN_SINK));
    expect(built.issues.map(formatConfigIssue)).toEqual([]);
    expect([...built.models.keys()]).toEqual([
      'full-batch',
      'argo-batch',
      'cron-batch',
      'full-online',
      'ab-online',
      'promoted',
      'seldon-online',
      'queue',
    ]);
    expect([...built.cascades.keys()]).toEqual(['full-cascade', 'argo-cascade']);
    const kinds = new Set(Testing.synth(built.chart!).map((o) => o.kind));
    for (const k of [
      'ConfigMap',
      'CronWorkflow',
      'ScheduledSparkApplication',
      'InferenceService',
      'SeldonDeployment',
      'Deployment',
      'HTTPRoute',
      'ScaledObject',
      'Job',
      'WorkflowTemplate',
    ])
      expect(kinds).toContain(k);
  });

  test("every property of the schema's batch, online, cascade and retro test entries appears in that file", () => {
    const defs = (MODELPLANE_SCHEMA as { definitions: Record<string, { properties: Record<string, unknown> }> }).definitions;
    for (const def of [
      'batchModel',
      'onlineModel',
      'cascade',
      'retroTest',
      'modelTest',
      'spark',
      'train',
      'sparkPod',
      'resources',
      'defaults',
      'dataset',
      'datasetMount',
    ]) {
      for (const key of Object.keys(defs[def].properties)) expect([def, key, KITCHEN_SINK.includes(`${key}:`)]).toEqual([def, key, true]);
    }
  });
});
