/**
 * Property tests (fast-check) of the YAML <-> props mapping tables, over generated entries of every
 * kind (batch and online models, cascades, retro tests):
 *   - the forward mapping never yields a key with an undefined value;
 *   - every prop path it produces maps back to a path the entry has (or to the documented fallback:
 *     a group's `at`, a left-out field with a default, a field below a converted value);
 *   - both directions give exactly what the hand-written functions the tables replaced gave (kept
 *     below as the oracle), key order included.
 */
import fc from 'fast-check';
import { isRecord } from '../src/core/records';
import {
  batchFilePath,
  batchModelProps,
  cascadeFilePath,
  cascadeProps,
  onlineFilePath,
  onlineModelProps,
  retroTestProps,
} from '../src/frontends/config/map';
import { DottedPath, FieldTable, forwardProps, yamlPathOf } from '../src/frontends/config/mapping';
import { BATCH_MODEL_FIELDS, CASCADE_FIELDS, ONLINE_MODEL_FIELDS, RETRO_TEST_FIELDS } from '../src/frontends/config/mapping-tables';
import { inputName } from '../src/frontends/config/mapping-converters';
import { FieldPath, formatPath, parsePath } from '../src/frontends/config/source';
import type { BatchModelConfig, CascadeConfig, OnlineModelConfig, RetroTestConfig } from '../src/frontends/config/types';

// --- generated entries ---------------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const text = fc.string({ maxLength: 8 });
const key = fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5}){0,2}$/);
const uri = fc.constantFrom('s3a://lake/a', 'hive://risk.features_daily', 's3a://lake/Features/2024/', 'hdfs://x/y', 's3://lake/daily');
const script = fc.constantFrom('s3a://code/risk/score.py', 'local:///app/score.py', 'https://code/x.py');
const modelUri = fc.constantFrom('models:/fraud@champion', 'models:/fraud/4', 's3://mlflow/1/abc/artifacts/model');
const quantity = fc.oneof(fc.constantFrom('500m', '1', '2Gi', '1.5'), fc.integer({ min: 1, max: 8 }));
const cron = fc.constantFrom('0 3 * * *', '@daily', '*/5 * * * *');
const opt = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required: Array<keyof T> = []) =>
  fc.record(model, { requiredKeys: required as never }) as unknown as fc.Arbitrary<T>;

const sparkPod = opt({
  cores: fc.integer({ min: 1, max: 8 }),
  memory: fc.constantFrom('2g', '512m'),
  memoryOverhead: fc.constantFrom('1g'),
  instances: fc.integer({ min: 1, max: 9 }),
});
const conf = fc.dictionary(key, fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 3 });
const gpu = opt(
  { pool: label, count: fc.integer({ min: 1, max: 4 }), on: fc.constantFrom('driver' as const, 'executor' as const, 'both' as const) },
  ['pool'],
);
const resources = opt({ cpu: quantity, memory: quantity, cpuLimit: quantity, ephemeralStorage: quantity });

/** Batch models: any subset of the fields, every shape of inputs and output. */
const batchModel: fc.Arbitrary<BatchModelConfig> = opt(
  {
    name: label,
    type: fc.constant('batch' as const),
    description: text,
    image: fc.constantFrom('docker.io/apache/spark:3.5.3-python3', 'spark'),
    main: script,
    args: fc.array(text, { maxLength: 3 }),
    environment: fc.constantFrom('s3a://envs/risk/churn-1.4.2.tar.gz'),
    python: fc.constantFrom('3.11', '3.10'),
    schedule: cron,
    orchestrator: fc.constantFrom('airflow' as const, 'argo' as const, 'spark-operator' as const),
    train: opt({ main: script, args: fc.array(text, { maxLength: 2 }), schedule: cron, onData: fc.array(uri, { maxLength: 2 }) }, ['main']),
    spark: opt({
      version: fc.constantFrom('3.5.3'),
      conf,
      hadoopConf: conf,
      driver: sparkPod,
      executor: sparkPod,
      dynamicAllocation: opt({ minExecutors: fc.nat(3), maxExecutors: fc.integer({ min: 1, max: 9 }), initialExecutors: fc.nat(3) }, [
        'minExecutors',
        'maxExecutors',
      ]),
    }),
    inputs: fc.array(fc.oneof(uri, opt({ name: label, uri }, ['name', 'uri'])), { maxLength: 3 }),
    output: fc.constantFrom('hive://risk.churn_scores', 's3a://preds/churn'),
    gpu,
    env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,6}$/), text, { maxKeys: 2 }),
    retries: fc.nat(10),
  },
  ['name', 'type'],
);

const rabbitmq = opt(
  {
    queue: label,
    messagesPerReplica: fc.integer({ min: 1, max: 50 }),
    activationMessages: fc.nat(5),
    hostSecret: fc.oneof(label, opt({ name: label, key: label }, ['name', 'key'])),
    protocol: fc.constantFrom('amqp' as const, 'http' as const),
    vhostName: fc.constantFrom('/', 'jobs'),
  },
  ['queue', 'hostSecret'],
);

/** Online models: one model, model with canary and/or shadow, or variants; fixed replicas or a range; every scaler. */
const onlineModel: fc.Arbitrary<OnlineModelConfig> = opt(
  {
    name: label,
    type: fc.constant('online' as const),
    description: text,
    model: modelUri,
    server: fc.constantFrom('kserve' as const, 'seldon' as const, 'deployment' as const),
    role: fc.constantFrom('online' as const, 'queue-worker' as const),
    replicas: fc.oneof(fc.nat(5), opt({ min: fc.nat(3), max: fc.integer({ min: 1, max: 9 }) }, ['max'])),
    autoscale: opt({ cpu: fc.integer({ min: 1, max: 100 }), memory: fc.integer({ min: 1, max: 100 }), rabbitmq }),
    canary: opt({ model: modelUri, traffic: fc.integer({ min: 1, max: 99 }) }, ['model', 'traffic']),
    shadow: opt({ model: modelUri }, ['model']),
    variants: fc.array(opt({ name: label, model: modelUri, traffic: fc.nat(100), shadow: fc.boolean() }, ['name', 'model']), {
      minLength: 1,
      maxLength: 3,
    }),
    resources,
    gpu,
    image: fc.constantFrom('docker.io/seldonio/mlserver:1.7.1-mlflow'),
    kserve: opt({ modelFormatVersion: fc.constantFrom('2'), runtime: label, storageSecret: label }),
    seldon: opt({ rcloneSecret: label }),
    deployment: opt({
      hostnames: fc.array(fc.constantFrom('a.models.example.com'), { maxLength: 2 }),
      gateway: opt({ name: label, namespace: label, sectionName: label }, ['name']),
    }),
    tests: fc.array(opt({ name: label, reference: text, variant: label }), { maxLength: 2 }),
  },
  ['name', 'type'],
);

/** Cascades: blocks of model names and every optional field. */
const cascade: fc.Arbitrary<CascadeConfig> = opt(
  {
    name: label,
    description: text,
    schedule: cron,
    orchestrator: fc.constantFrom('airflow' as const, 'argo' as const),
    job: fc.constantFrom('score' as const, 'train' as const),
    onData: fc.array(uri, { maxLength: 2 }),
    stagingUri: fc.constantFrom('s3a://staging/risk/nightly'),
    blocks: fc.array(opt({ name: label, models: fc.array(label, { maxLength: 3 }) }, ['name', 'models']), { maxLength: 3 }),
  },
  ['name', 'blocks'],
);

/** Retro tests, with their fields in any order (the props keep the file's order). */
const retroTest: fc.Arbitrary<RetroTestConfig> = opt(
  {
    name: label,
    model: modelUri,
    input: fc.constantFrom('mlflow-artifacts:/retro/q1.csv'),
    period: opt({ from: fc.constantFrom('2025-01-01'), to: fc.constantFrom('2025-03-31'), column: label }, ['from', 'to']),
    output: fc.constantFrom('mlflow-artifacts:/retro/out.csv'),
    excludeColumns: fc.array(label, { maxLength: 2 }),
    resources,
    s3CredentialsSecret: label,
    image: fc.constantFrom('docker.io/library/python:3.12.7-slim'),
  },
  ['name', 'model', 'input', 'period'],
).chain((r) =>
  fc
    .shuffledSubarray(Object.keys(r), { minLength: Object.keys(r).length })
    .map((keys) => Object.fromEntries(keys.map((k) => [k, (r as unknown as Record<string, unknown>)[k]])) as unknown as RetroTestConfig),
);

// --- helpers ---------------------------------------------------------------------------------------

/** Every path in a value: each key of a map and each index of a list, at every depth. */
function pathsIn(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const children: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isRecord(value)
      ? Object.entries(value)
      : [];
  return children.flatMap(([k, v]) => [[...prefix, k], ...pathsIn(v, [...prefix, k])]);
}

/** The keys (at any depth) whose value is undefined. */
function undefinedKeys(value: unknown): string[] {
  return pathsIn(value)
    .filter((p) => p.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s], value) === undefined)
    .map(formatPath);
}

/** True when the entry has a value at `path` (lists by index, maps by key). */
function has(entry: unknown, path: FieldPath): boolean {
  let v = entry;
  for (const s of path) {
    if (Array.isArray(v) && typeof s === 'number' && s < v.length) v = v[s];
    else if (isRecord(v) && typeof s === 'string' && s in v) v = v[s];
    else return false;
  }
  return true;
}

const segs = (p: DottedPath) => (p === '' ? [] : p.split('.'));
const startsWith = (path: FieldPath, prefix: readonly string[]) => prefix.every((s, i) => path[i] === s);

/**
 * Where the table documents that a prop can point outside what the entry has: a group's `at` (the
 * object prop exists, the field it is reported at does not), a left-out field with a default
 * (`unset`), and the fields a composed converter reads.
 */
function fallbacks<E>(table: FieldTable<E>): string[] {
  return table.rows.flatMap((r) => {
    if (r.kind === 'group') return [r.at];
    if (r.kind === 'composed') return [...r.yaml];
    if (r.kind === undefined && r.unset) return [r.yaml];
    return [];
  });
}

/** The YAML fields whose value is converted: a part of the prop may be a part the file's value does not have. */
function converted<E>(table: FieldTable<E>): string[] {
  return table.rows.flatMap((r) => (r.kind === 'composed' ? [...r.yaml] : r.kind === undefined && r.convert ? [r.yaml] : []));
}

/** Checks the two table properties for one entry. */
function checkEntry<E>(table: FieldTable<E>, entry: E): void {
  const props = forwardProps(table, entry);
  expect(undefinedKeys(props)).toEqual([]);
  const documented = fallbacks(table);
  const conv = converted(table).map(segs);
  for (const prop of pathsIn(props)) {
    const back = yamlPathOf(table, entry, formatPath(prop));
    const ok = has(entry, back) || documented.includes(back.join('.')) || conv.some((c) => startsWith(back, c) && has(entry, c));
    expect({ prop: formatPath(prop), back, ok }).toEqual({ prop: formatPath(prop), back, ok: true });
  }
}

const RUNS = { numRuns: 300 };

describe('the mapping tables', () => {
  test.each([
    ['batch model', BATCH_MODEL_FIELDS, batchModel],
    ['online model', ONLINE_MODEL_FIELDS, onlineModel],
    ['cascade', CASCADE_FIELDS, cascade],
    ['retro test', RETRO_TEST_FIELDS, retroTest],
  ] as Array<[string, FieldTable<unknown>, fc.Arbitrary<unknown>]>)(
    '%s: no undefined-valued keys, and every prop maps back into the entry (or its documented fallback)',
    (_kind, table, arb) => {
      fc.assert(
        fc.property(arb, (entry) => checkEntry(table, entry)),
        RUNS,
      );
    },
  );
});

// --- the oracle: the hand-written mapping the tables replaced ---------------------------------------

const compactOld = (o: any) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
function resourcesOld(r: any): any {
  const q = (x: any) => (x === undefined ? undefined : String(x));
  return compactOld({ cpu: q(r.cpu), memory: q(r.memory), cpuLimit: q(r.cpuLimit), ephemeralStorage: q(r.ephemeralStorage) });
}
function batchPropsOld(m: any): any {
  const strings = (r?: any) => r && Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  const output = m.output;
  const hive = output?.startsWith('hive://') ? output.slice('hive://'.length) : undefined;
  const cascade =
    m.inputs !== undefined || output !== undefined
      ? compactOld({
          inputs: (m.inputs ?? []).map((i: any) => (typeof i === 'string' ? { name: inputName(i), uri: i } : i)),
          outputTable: hive,
          outputPath: hive === undefined ? output : undefined,
        })
      : undefined;
  return compactOld({
    name: m.name,
    image: m.image,
    sparkVersion: m.spark?.version,
    pythonEnv: { archive: m.environment, pythonVersion: m.python },
    score: m.main === undefined ? undefined : compactOld({ mainApplicationFile: m.main, arguments: m.args, schedule: m.schedule }),
    train:
      m.train &&
      compactOld({ mainApplicationFile: m.train.main, arguments: m.train.args, schedule: m.train.schedule, assets: m.train.onData }),
    cascade,
    driver: m.spark?.driver,
    executor: m.spark?.executor,
    dynamicAllocation: m.spark?.dynamicAllocation,
    sparkConf: strings(m.spark?.conf),
    hadoopConf: strings(m.spark?.hadoopConf),
    env: m.env,
    retries: m.retries,
    gpu: m.gpu,
    orchestrator: m.orchestrator,
  });
}
function batchPathOld(m: any, field: string): FieldPath {
  const p = parsePath(field);
  const rest = p.slice(1);
  const run = (prefix: FieldPath) => {
    if (rest[0] === 'mainApplicationFile') return [...prefix, 'main'];
    if (rest[0] === 'arguments') return [...prefix, 'args', ...rest.slice(1)];
    if (rest[0] === 'assets') return [...prefix, 'onData', ...rest.slice(1)];
    return [...prefix, ...rest];
  };
  switch (p[0]) {
    case 'sparkVersion':
      return ['spark', 'version'];
    case 'pythonEnv':
      return rest[0] === 'pythonVersion' ? ['python'] : ['environment'];
    case 'score':
      return run([]);
    case 'train':
      return m.train === undefined ? ['main'] : run(['train']);
    case 'driver':
    case 'executor':
    case 'dynamicAllocation':
      return ['spark', ...p];
    case 'sparkConf':
      return ['spark', 'conf', ...rest];
    case 'hadoopConf':
      return ['spark', 'hadoopConf', ...rest];
    case 'cascade':
      if (rest[0] === 'inputs') return ['inputs', ...rest.slice(1, 2)];
      return ['output'];
    default:
      return p;
  }
}
function onlinePropsOld(m: any): any {
  let variants: any[] | undefined;
  if (m.canary !== undefined || m.shadow !== undefined) {
    const canary = m.canary?.traffic ?? 0;
    variants = [
      { name: 'main', model: m.model, traffic: 100 - canary },
      ...(m.canary ? [{ name: 'canary', model: m.canary.model, traffic: canary }] : []),
      ...(m.shadow ? [{ name: 'shadow', model: m.shadow.model, shadow: true }] : []),
    ];
  } else if (m.variants !== undefined) {
    variants = m.variants.map((x: any) => ({ ...x }));
  }
  const range = typeof m.replicas === 'object' ? m.replicas : undefined;
  const scale = m.autoscale;
  const rabbit = scale?.rabbitmq;
  const autoscaling =
    range !== undefined || scale !== undefined
      ? {
          minReplicas: range?.min,
          maxReplicas: range?.max,
          cpuUtilization: scale?.cpu,
          memoryUtilization: scale?.memory,
          rabbitmq: rabbit && {
            queueName: rabbit.queue,
            hostSecret: typeof rabbit.hostSecret === 'string' ? { name: rabbit.hostSecret, key: 'host' } : rabbit.hostSecret,
            messagesPerReplica: rabbit.messagesPerReplica,
            activationMessages: rabbit.activationMessages,
            protocol: rabbit.protocol,
            vhostName: rabbit.vhostName,
          },
        }
      : undefined;
  return compactOld({
    name: m.name,
    model: variants === undefined ? m.model : undefined,
    variants,
    backend: m.server,
    role: m.role,
    resources: m.resources && resourcesOld(m.resources),
    gpu: m.gpu,
    replicas: typeof m.replicas === 'number' ? m.replicas : undefined,
    autoscaling: autoscaling && compactOld(autoscaling),
    image: m.image,
    kserve: m.kserve,
    seldon: m.seldon,
    deployment: m.deployment,
  });
}
function onlinePathOld(m: any, field: string): FieldPath {
  const p = parsePath(field);
  const rest = p.slice(1);
  switch (p[0]) {
    case 'backend':
      return ['server', ...rest];
    case 'tests':
      return p;
    case 'id':
      return ['name'];
    case 'autoscaling':
      if (p[1] === 'minReplicas') return ['replicas', 'min'];
      if (p[1] === 'maxReplicas') return ['replicas', 'max'];
      if (p[1] === 'cpuUtilization') return ['autoscale', 'cpu'];
      if (p[1] === 'memoryUtilization') return ['autoscale', 'memory'];
      if (p[1] === 'rabbitmq' && p[2] === 'queueName') return ['autoscale', 'rabbitmq', 'queue'];
      return ['autoscale', ...rest];
    case 'variants':
      if (m.variants !== undefined) return p;
      if (typeof p[1] === 'number') {
        const which = ['model', ...(m.canary ? ['canary'] : []), ...(m.shadow ? ['shadow'] : [])][p[1]] ?? 'model';
        return which === 'model' ? ['model'] : [which, ...(p[2] === 'traffic' || p[2] === 'model' ? [p[2]] : [])];
      }
      return [m.canary ? 'canary' : m.shadow ? 'shadow' : 'model'];
    default:
      return p;
  }
}
function cascadePropsOld(c: any): any {
  return compactOld({
    name: c.name,
    description: c.description,
    blocks: (c.blocks ?? []).map((b: any) => ({ name: b.name, models: [...(b.models ?? [])] })),
    schedule: c.schedule,
    targets: c.orchestrator === undefined ? undefined : [c.orchestrator],
    job: c.job,
    assets: c.onData,
    stagingUri: c.stagingUri,
  });
}
function cascadePathOld(field: string): FieldPath {
  const p = parsePath(field);
  if (p[0] === 'targets') return ['orchestrator'];
  if (p[0] === 'assets') return ['onData', ...p.slice(1)];
  return p;
}
const retroPropsOld = (r: any) => compactOld({ ...r, resources: r.resources && resourcesOld(r.resources) });

/**
 * Fields the constructs report besides the props' own paths (whole objects, derived names, parts no
 * prop has). Not `score.assets`: the file has no field for it (the old mapping sent it to a top-level
 * `onData` a batch model does not have), so no construct can report it for a file's entry.
 */
const EXTRA_FIELDS = {
  batch: [
    ...['train', 'score', 'pythonEnv', 'cascade', 'cascade.inputs', 'cascade.inputs[0].uri', 'cascade.outputTable', 'cascade.outputPath'],
    ...['cascade.download.mainApplicationFile', 'train.assets', 'sparkConf["spark.x"]', 'env["X"]', 'retryIntervalSeconds'],
  ],
  online: [
    ...[
      'id',
      'name',
      'model',
      'variants',
      'variants[0].model',
      'variants[1].traffic',
      'variants[1].model',
      'variants[2].name',
      'variants[5]',
    ],
    ...['autoscaling', 'autoscaling.rabbitmq', 'autoscaling.rabbitmq.hostSecret.name', 'autoscaling.foo', 'replicas', 'backend'],
    ...['s3CredentialsSecret', 'monitoring.interval', 'tests[0].reference', 'autoscaling.minReplicas', 'autoscaling.maxReplicas'],
  ],
  cascade: ['targets', 'targets[0]', 'assets[1]', 'blocks', 'blocks[0].models[2]', 'job', 'pollIntervalSeconds'],
};

/** Every field to compare the two inverses on: the props' own paths and the extra ones. */
const fieldsOf = (props: unknown, extra: readonly string[]) => [...pathsIn(props).map(formatPath), ...extra];

describe('the tables give exactly what the hand-written mapping gave', () => {
  test('batch models: the same props (key order included) and the same file paths', () => {
    fc.assert(
      fc.property(batchModel, (m) => {
        const props = batchModelProps(m);
        expect(JSON.stringify(props)).toBe(JSON.stringify(batchPropsOld(m)));
        for (const f of fieldsOf(props, EXTRA_FIELDS.batch)) expect([f, batchFilePath(m, f)]).toEqual([f, batchPathOld(m, f)]);
      }),
      RUNS,
    );
  });

  test('online models: the same props and the same file paths', () => {
    fc.assert(
      fc.property(onlineModel, (m) => {
        const props = onlineModelProps(m);
        expect(JSON.stringify(props)).toBe(JSON.stringify(onlinePropsOld(m)));
        for (const f of fieldsOf(props, EXTRA_FIELDS.online)) expect([f, onlineFilePath(m, f)]).toEqual([f, onlinePathOld(m, f)]);
      }),
      RUNS,
    );
  });

  test('cascades and retro tests: the same props and the same file paths', () => {
    fc.assert(
      fc.property(cascade, retroTest, (c, r) => {
        const props = cascadeProps(c);
        expect(JSON.stringify(props)).toBe(JSON.stringify(cascadePropsOld(c)));
        for (const f of fieldsOf(props, EXTRA_FIELDS.cascade)) expect([f, cascadeFilePath(f)]).toEqual([f, cascadePathOld(f)]);
        expect(JSON.stringify(retroTestProps(r))).toBe(JSON.stringify(retroPropsOld(r)));
      }),
      RUNS,
    );
  });
});
