/**
 * Continuous training (issue 18): a batch model's train run with `registeredModel`, `minNewData`,
 * `promote` and `notify` resolved into the contract of airflow/training-spec.ts (resolveSparkBatchModel,
 * resolveRolloutTargets: pure), the targets found among the team's online models whatever the order of
 * creation, the training DAG in the team's DAG ConfigMap, and Airflow's rollout Role with exactly the
 * targets' names. The modelplane.yaml side: the same props from `registers` etc., problems in YAML terms.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import fc from 'fast-check';
import { platformContext } from '../src/core/context';
import { formatIssue, orThrow, ValidationIssue } from '../src/core/errors';
import { resolveSparkBatchModel } from '../src/constructs/batch/resolve-model';
import { resolveRolloutTargets, ServingModel, TrainingSettings } from '../src/constructs/batch/resolve-training';
import { SparkBatchModel, SparkBatchModelProps, SparkRunProps } from '../src/constructs/batch/spark-batch-model';
import { teamDagsConfigMapName } from '../src/constructs/batch/team-dags';
import { OnlineModel, OnlineModelProps } from '../src/constructs/online/online-model';
import { TeamModels } from '../src/constructs/team-models';
import { run } from '../src/frontends/cli/main';
import { buildTeamModels } from '../src/frontends/config/build';
import { loadConfigFile } from '../src/frontends/config/load';
import { expectIssue } from './support/errors';

const platform = platformContext();
const context = { team: 'translation', platform };
const base: SparkBatchModelProps = {
  image: 'registry.example.com/translation/nmt:2.1.0',
  sparkVersion: '3.5.3',
  pythonEnv: { archive: 's3a://envs/translation/nmt-2.1.0.tar.gz', pythonVersion: '3.11' },
};
const train: SparkRunProps = {
  mainApplicationFile: 's3a://code/translation/nmt/train.py',
  assets: ['s3://corpora/translation/en-da/parallel'],
  registeredModel: 'translate-en-da',
  minNewData: { rows: 100000 },
  promote: { metric: 'bleu', mode: 'max', minDelta: 0.5, canary: { soakMinutes: 30 } },
  notify: [{ slack: 'translation-alerts' }],
};

/** The issues of resolving the model with `over` merged into its train run (and the props). */
function issuesOf(
  over: Partial<Record<keyof SparkRunProps, unknown>>,
  props: Partial<SparkBatchModelProps> = {},
): readonly ValidationIssue[] {
  return resolveSparkBatchModel('translate-train', { ...base, ...props, train: { ...train, ...over } as SparkRunProps }, context).issues;
}

/** The one issue of `field`. */
function issueAt(issues: readonly ValidationIssue[], field: string): ValidationIssue {
  const found = issues.filter((i) => i.field === field);
  expect({ field, found: found.length, all: issues.map((i) => i.field) }).toMatchObject({ field, found: 1 });
  return found[0];
}

describe('resolveSparkBatchModel: continuous training', () => {
  test('resolves the contract without the targets', () => {
    const spec = orThrow(resolveSparkBatchModel('translate-train', { ...base, train }, context));
    expect(spec.training).toEqual({
      mlflowTrackingUri: platform.mlflowTrackingUri,
      registeredModel: 'translate-en-da',
      experiment: 'modelplane/translation/translate-train',
      minNewData: { unit: 'rows', count: 100000 },
      promote: { metric: 'bleu', mode: 'max', minDelta: 0.5, alias: 'champion', canary: { alias: 'canary', soakMinutes: 30 } },
      notify: [{ kind: 'slack', connection: 'translation-alerts' }],
    });
  });

  test('applies every default', () => {
    const spec = orThrow(
      resolveSparkBatchModel(
        'churn',
        {
          ...base,
          train: {
            mainApplicationFile: 'local:///app/train.py',
            registeredModel: 'retail-churn',
            promote: { metric: 'auc', approval: {}, canary: {} },
          },
        },
        context,
      ),
    );
    expect(spec.training).toEqual({
      mlflowTrackingUri: platform.mlflowTrackingUri,
      registeredModel: 'retail-churn',
      experiment: 'modelplane/translation/churn',
      promote: {
        metric: 'auc',
        mode: 'max',
        minDelta: 0,
        alias: 'champion',
        approvalTimeoutHours: 72,
        canary: { alias: 'canary', soakMinutes: 30 },
      },
      notify: [],
    });
  });

  test('a plain training run has no continuous training', () => {
    const spec = orThrow(resolveSparkBatchModel('churn', { ...base, train: { mainApplicationFile: 'local:///app/train.py' } }, context));
    expect(spec.training).toBeUndefined();
  });

  const cases: Array<[string, Partial<Record<keyof SparkRunProps, unknown>>, string, RegExp, Partial<SparkBatchModelProps>?]> = [
    ['a registered model name with a space', { registeredModel: 'translate en-da' }, 'train.registeredModel', /registered model name/],
    ['a registered model name of 257 characters', { registeredModel: 'm'.repeat(257) }, 'train.registeredModel', /at most 256/],
    [
      'promote without a registered model',
      { registeredModel: undefined, minNewData: undefined, notify: undefined },
      'train.promote',
      /train\.registeredModel/,
    ],
    ['minNewData with both units', { minNewData: { rows: 1, files: 2 } }, 'train.minNewData', /exactly one of rows and files/],
    ['minNewData with neither unit', { minNewData: {} }, 'train.minNewData', /exactly one/],
    ['minNewData of zero rows', { minNewData: { rows: 0 } }, 'train.minNewData.rows', /positive whole number/],
    ['minNewData of 2.5 files', { minNewData: { files: 2.5 } }, 'train.minNewData.files', /positive whole number/],
    ['minNewData without Assets', { assets: [] }, 'train.minNewData', /train\.assets/],
    ['no metric', { promote: { mode: 'max' } }, 'train.promote.metric', /is required/],
    ['a metric with a colon', { promote: { metric: 'bleu:test' } }, 'train.promote.metric', /metric key/],
    ['an unknown mode', { promote: { metric: 'bleu', mode: 'higher' } }, 'train.promote.mode', /"max".*"min"/],
    ['a negative minDelta', { promote: { metric: 'bleu', minDelta: -1 } }, 'train.promote.minDelta', /at least 0/],
    ['an infinite minDelta', { promote: { metric: 'bleu', minDelta: Infinity } }, 'train.promote.minDelta', /finite/],
    ['an alias MLflow reserves for versions', { promote: { metric: 'bleu', alias: 'v3' } }, 'train.promote.alias', /reserved by MLflow/],
    ['the alias latest', { promote: { metric: 'bleu', alias: 'latest' } }, 'train.promote.alias', /reserved/],
    ['an alias with a dot', { promote: { metric: 'bleu', alias: 'prod.1' } }, 'train.promote.alias', /registry alias/],
    [
      'a zero approval timeout',
      { promote: { metric: 'bleu', approval: { timeoutHours: 0 } } },
      'train.promote.approval.timeoutHours',
      /positive/,
    ],
    [
      'a canary on the champion alias',
      { promote: { metric: 'bleu', canary: { alias: 'champion' } } },
      'train.promote.canary.alias',
      /champion alias/,
    ],
    [
      'a soak of 0.5 minutes',
      { promote: { metric: 'bleu', canary: { soakMinutes: 0.5 } } },
      'train.promote.canary.soakMinutes',
      /whole number/,
    ],
    ['notify with both kinds', { notify: [{ slack: 'a', webhook: 'b' }] }, 'train.notify[0]', /exactly one of slack and webhook/],
    ['notify with a bad connection id', { notify: [{ webhook: 'risk events' }] }, 'train.notify[0].webhook', /connection id/],
    ['the same connection twice', { notify: [{ slack: 'a' }, { slack: 'a' }] }, 'train.notify', /twice/],
    ['notify not a list', { notify: { slack: 'a' } }, 'train.notify', /must be a list/],
    ['continuous training on Argo', {}, 'train.registeredModel', /orchestrator is "argo"/, { orchestrator: 'argo' }],
  ];
  for (const [name, over, field, says, props] of cases)
    test(`${name}: refused with field, value and fix`, () => {
      const issue = issueAt(issuesOf(over, props), field);
      expect(`${issue.problem} ${issue.fix}`).toMatch(says);
      expect(formatIssue(issue)).toMatch(/\. Fix: \S/);
    });

  test('a webhook URL is refused without showing it, with the fix to put it in a connection', () => {
    const url = 'https://hooks.slack.com/services/T000/B000/XXXXSECRET';
    const issue = issueAt(issuesOf({ notify: [{ slack: url }] }), 'train.notify[0].slack');
    expect(formatIssue(issue)).not.toContain('XXXXSECRET');
    expect(issue.fix).toMatch(/Airflow connection/);
  });

  test('the scoring run takes none of it', () => {
    const r = resolveSparkBatchModel(
      'churn',
      { ...base, score: { mainApplicationFile: 'local:///app/score.py', registeredModel: 'churn' } },
      context,
    );
    expect(issueAt(r.issues, 'score.registeredModel').fix).toMatch(/train\.registeredModel/);
  });
});

const settings: TrainingSettings = {
  mlflowTrackingUri: platform.mlflowTrackingUri,
  registeredModel: 'm',
  experiment: 'modelplane/t/m',
  promote: { metric: 'auc', mode: 'max', minDelta: 0, alias: 'champion', canary: { alias: 'canary', soakMinutes: 30 } },
  notify: [],
};
const deployment = (name: string) => ({ kind: 'Deployment' as const, name });

describe('resolveRolloutTargets', () => {
  test('champion and canary variants, sorted by name; other URIs are no target', () => {
    const servings: ServingModel[] = [
      { name: 'b', variants: [{ variant: 'main', modelUri: 'models:/m@champion', rollout: deployment('b') }] },
      { name: 'c', variants: [{ variant: 'main', modelUri: 'models:/m/3', rollout: deployment('c') }] },
      {
        name: 'a',
        variants: [
          { variant: 'main', modelUri: 'models:/m@champion', rollout: deployment('a') },
          { variant: 'canary', modelUri: 'models:/m@canary', rollout: deployment('a-canary') },
        ],
      },
    ];
    expect(orThrow(resolveRolloutTargets('SparkBatchModel', 'm', settings, servings))).toEqual([
      { onlineModel: 'a', champion: [deployment('a')], canary: [deployment('a-canary')] },
      { onlineModel: 'b', champion: [deployment('b')], canary: [] },
    ]);
  });

  test('a canary step with no canary variant is refused, naming the models and the fix', () => {
    const servings: ServingModel[] = [
      { name: 'api', variants: [{ variant: 'main', modelUri: 'models:/m@champion', rollout: deployment('api') }] },
    ];
    const [issue] = resolveRolloutTargets('SparkBatchModel', 'm', settings, servings).issues;
    expect(issue.field).toBe('train.promote.canary');
    expect(issue.problem).toMatch(/models:\/m@canary.*"api"/);
    expect(issue.fix).toMatch(/models:\/m@canary/);
  });

  test("a variant its backend cannot roll is refused with the backend's fix", () => {
    const servings: ServingModel[] = [
      {
        name: 'api',
        variants: [
          { variant: 'main', modelUri: 'models:/m@champion', rollout: { problem: 'it is served by Seldon Core', fix: 'use deployment' } },
        ],
      },
    ];
    const [issue] = resolveRolloutTargets(
      'SparkBatchModel',
      'm',
      { ...settings, promote: { ...settings.promote!, canary: undefined } },
      servings,
    ).issues;
    expect(issue).toMatchObject({ field: 'train.promote', fix: 'use deployment' });
    expect(issue.problem).toMatch(/"api".*variant "main".*Seldon/);
  });

  test('deterministic: the same targets whatever the order of the serving models', () => {
    const serving = fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}$/),
      uris: fc.array(fc.constantFrom('models:/m@champion', 'models:/m@canary', 'models:/m/1', 'models:/x@champion'), {
        minLength: 1,
        maxLength: 3,
      }),
    });
    const uniqueServings = fc.uniqueArray(serving, { selector: (s) => s.name, maxLength: 6 });
    fc.assert(
      fc.property(uniqueServings, fc.integer(), (list, seed) => {
        const models: ServingModel[] = list.map((s) => ({
          name: s.name,
          variants: s.uris.map((u, i) => ({ variant: `v${i}`, modelUri: u, rollout: deployment(`${s.name}-v${i}`) })),
        }));
        const shuffled = [...models].sort((a, b) => ((a.name.charCodeAt(0) * seed) % 7) - ((b.name.charCodeAt(0) * seed) % 7));
        const noCanary = { ...settings, promote: { ...settings.promote!, canary: undefined } };
        const a = resolveRolloutTargets('SparkBatchModel', 'm', noCanary, models);
        const b = resolveRolloutTargets('SparkBatchModel', 'm', noCanary, shuffled);
        expect(b).toEqual(a);
        const names = (a.spec ?? []).map((t) => t.onlineModel);
        expect(names).toEqual([...names].sort());
      }),
    );
  });
});

/** The translation team: the trained model and its online models, created in `order`. */
function translationTeam(order: 'trained first' | 'online first', online: Record<string, OnlineModelProps> = {}) {
  const app = Testing.app();
  const team = new TeamModels(app, 'translation');
  const servers: Record<string, OnlineModelProps> = {
    'translate-api': {
      backend: 'deployment',
      variants: [
        { name: 'main', model: 'models:/translate-en-da@champion', traffic: 90 },
        { name: 'canary', model: 'models:/translate-en-da@canary', traffic: 10 },
      ],
    },
    'translate-worker': { backend: 'deployment', model: 'models:/translate-en-da@champion' },
    'translate-batch': { backend: 'kserve', model: 'models:/translate-en-da@champion' },
    legacy: { backend: 'deployment', model: 'models:/translate-en-da/3' },
    ...online,
  };
  const trained = () => new SparkBatchModel(team, 'translate-train', { ...base, train });
  const serve = () => Object.entries(servers).forEach(([id, props]) => new OnlineModel(team, id, props));
  let model: SparkBatchModel;
  if (order === 'trained first') {
    model = trained();
    serve();
  } else {
    serve();
    model = trained();
  }
  return { app, team, model };
}

type Manifest = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: unknown;
  data?: Record<string, string>;
  spec?: unknown;
};

describe('SparkBatchModel with continuous training', () => {
  test.each(['trained first', 'online first'] as const)('%s: the same targets, DAG and Role', (order) => {
    const { team, model } = translationTeam(order);
    expect(model.training!.promote!.targets).toEqual([
      { onlineModel: 'translate-api', champion: [deployment('translate-api')], canary: [deployment('translate-api-canary')] },
      { onlineModel: 'translate-batch', champion: [{ kind: 'InferenceService', name: 'translate-batch' }], canary: [] },
      { onlineModel: 'translate-worker', champion: [deployment('translate-worker')], canary: [] },
    ]);
    const objects = team.toJson() as Manifest[];
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'modelplane-airflow-rollout')!;
    expect(role.metadata.namespace).toBe('translation');
    expect(role.rules).toEqual([
      {
        apiGroups: ['apps'],
        resources: ['deployments'],
        verbs: ['get', 'patch'],
        resourceNames: ['translate-api', 'translate-api-canary', 'translate-worker'],
      },
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'], verbs: ['get', 'patch'], resourceNames: ['translate-batch'] },
    ]);
    const binding = objects.find((o) => o.kind === 'RoleBinding' && o.metadata.name === 'modelplane-airflow-rollout') as unknown as {
      subjects: unknown;
    };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }]);
    // Every patch names an object of the chart.
    for (const t of model.training!.promote!.targets)
      for (const p of [...t.champion, ...t.canary])
        expect({ p, found: objects.some((o) => o.kind === p.kind && o.metadata.name === p.name) }).toEqual({ p, found: true });
    const dags = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === teamDagsConfigMapName('translation'))!;
    expect(Object.keys(dags.data!)).toContain('translation.translate-train.train.py');
  });

  test('the order of creation changes no byte of the output', () => {
    expect(translationTeam('online first').team.toJson()).toEqual(expect.arrayContaining(translationTeam('trained first').team.toJson()));
    expect(translationTeam('online first').team.toJson().length).toBe(translationTeam('trained first').team.toJson().length);
  });

  test('no rollout Role without targets, yet a DAG triggered by hand', () => {
    const app = Testing.app();
    const team = new TeamModels(app, 'risk');
    new SparkBatchModel(team, 'churn', {
      ...base,
      train: { mainApplicationFile: 'local:///app/train.py', registeredModel: 'retail-churn', promote: { metric: 'auc' } },
    });
    new OnlineModel(team, 'other', { backend: 'deployment', model: 'models:/other@champion' });
    const objects = team.toJson() as Manifest[];
    expect(objects.filter((o) => o.metadata.name === 'modelplane-airflow-rollout')).toEqual([]);
    const dags = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === teamDagsConfigMapName('risk'))!;
    expect(Object.keys(dags.data!)).toContain('risk.churn.train.py');
  });

  test('a target the backend cannot roll fails synth, and reading the spec throws', () => {
    // (Seldon serves no models:/ URI at all, so a KServe canary is the construct case; the Seldon refusal is covered above.)
    const { app, model } = translationTeam('trained first', {
      'translate-kserve': {
        backend: 'kserve',
        variants: [
          { name: 'main', model: 'models:/translate-en-da/3', traffic: 90 },
          { name: 'next', model: 'models:/translate-en-da@champion', traffic: 10 },
        ],
      },
    });
    const [issue] = model.trainingIssues();
    expect(issue).toMatchObject({ construct: 'SparkBatchModel "translate-train"', field: 'train.promote' });
    expect(issue.problem).toMatch(/"translate-kserve".*variant "next".*KServe canary/);
    expect(issue.fix).toMatch(/backend: "deployment"/);
    expect(() => app.synth()).toThrow(
      /SparkBatchModel "translate-train": `train.promote`.*Fix: serve the online model with backend: "deployment"/,
    );
    expectIssue(() => model.training, { construct: 'SparkBatchModel "translate-train"', field: 'train.promote' });
  });

  test('a KServe canary on the canary alias is refused: promotion through a canary needs the deployment backend', () => {
    const { model } = translationTeam('trained first', {
      'translate-api': {
        backend: 'kserve',
        variants: [
          { name: 'main', model: 'models:/translate-en-da@champion', traffic: 90 },
          { name: 'canary', model: 'models:/translate-en-da@canary', traffic: 10 },
        ],
      },
    });
    const problems = model.trainingIssues().map((i) => `${i.field}: ${i.problem} Fix: ${i.fix}`);
    expect(problems).toEqual([
      expect.stringMatching(/^train\.promote: .*"translate-api".*variant "canary".*KServe canary.*backend: "deployment"/),
    ]);
  });
});

describe('targets in a built team (property)', () => {
  const servingArb = fc.record({
    backend: fc.constantFrom('deployment' as const, 'kserve' as const),
    main: fc.constantFrom('models:/translate-en-da@champion', 'models:/translate-en-da/3'),
    canary: fc.option(fc.constantFrom('models:/translate-en-da@canary', 'models:/translate-en-da/4'), { nil: undefined }),
  });
  const teamArb = fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z]{1,8}$/), servingArb), { selector: (x) => x[0], maxLength: 5 });

  test('every patch names an object of the chart, and the Role grants exactly the patches', () => {
    fc.assert(
      fc.property(teamArb, fc.boolean(), (servers, trainedFirst) => {
        const team = new TeamModels(Testing.app(), 'translation');
        // A KServe canary cannot be rolled (refused, tested above): those draw a deployment instead.
        const props = (x: { backend: 'deployment' | 'kserve'; main: string; canary?: string }): OnlineModelProps =>
          x.canary === undefined
            ? { backend: x.backend, model: x.main }
            : {
                backend: 'deployment',
                variants: [
                  { name: 'main', model: x.main, traffic: 90 },
                  { name: 'canary', model: x.canary, traffic: 10 },
                ],
              };
        const noCanary: SparkRunProps = { ...train, promote: { metric: 'bleu' } };
        const trained = () => new SparkBatchModel(team, 'translate-train', { ...base, train: noCanary });
        const model = trainedFirst ? trained() : undefined;
        for (const [name, x] of servers) new OnlineModel(team, `srv-${name}`, props(x));
        const m = model ?? trained();
        const targets = m.training!.promote!.targets;
        const objects = team.toJson() as Manifest[];
        const patches = targets.flatMap((t) => [...t.champion, ...t.canary]);
        for (const p of patches) expect(objects.some((o) => o.kind === p.kind && o.metadata.name === p.name)).toBe(true);
        const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'modelplane-airflow-rollout') as
          { rules: Array<{ resourceNames: string[] }> } | undefined;
        const granted = (role?.rules ?? []).flatMap((r) => r.resourceNames).sort();
        expect(granted).toEqual(patches.map((p) => p.name).sort());
        // Exactly the servers with a variant on the champion alias, sorted by name.
        const expected = servers.filter(([, x]) => x.main.endsWith('@champion')).map(([n]) => `srv-${n}`);
        expect(targets.map((t) => t.onlineModel)).toEqual(expected.sort());
      }),
      { numRuns: 40 },
    );
  });
});

describe('modelplane.yaml', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-ct-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (file: string, text: string) => {
    fs.writeFileSync(path.join(dir, file), text);
    let err = '';
    const code = run(['validate', '-f', path.join(dir, file)], { out: () => undefined, err: (t) => (err += t) }, dir);
    return { code, err };
  };
  const head = `team: translation
defaults: { image: docker.io/apache/spark:3.5.3-python3, python: "3.11", spark: { version: "3.5.3" }, server: deployment }
models:
  - name: translate-train
    type: batch
    environment: s3a://envs/translation/nmt-2.1.0.tar.gz
    train:
      main: s3a://code/translation/nmt/train.py
      onData: [s3://corpora/translation/en-da/parallel]
`;

  test('the translation example resolves to the same contract as the TypeScript props', () => {
    const app = new App({ outdir: path.join(dir, 'unused') });
    const loaded = loadConfigFile(path.join(__dirname, '..', 'examples', 'translation-gpu', 'modelplane.yaml'));
    const built = buildTeamModels(app, loaded);
    expect(built.issues).toEqual([]);
    const model = built.models.get('translate-train') as SparkBatchModel;
    expect(model.training).toMatchObject({
      registeredModel: 'translate-en-da',
      minNewData: { unit: 'rows', count: 100000 },
      notify: [{ kind: 'slack', connection: 'translation-alerts' }],
      promote: { metric: 'bleu', mode: 'max', minDelta: 0.5, alias: 'champion', canary: { alias: 'canary', soakMinutes: 30 } },
    });
    expect(model.training!.promote!.targets.map((t) => [t.onlineModel, t.canary.length])).toEqual([
      ['translate-api', 1],
      ['translate-worker', 0],
    ]);
  });

  test('minNewData without onData: the problem and fix in YAML terms', () => {
    const text =
      head.replace('      onData: [s3://corpora/translation/en-da/parallel]\n', '') +
      '      registers: translate-en-da\n      minNewData: { rows: 100000 }\n';
    const { code, err } = cli('no-ondata.yaml', text);
    expect(code).toBe(1);
    expect(err).toMatch(/`models\[0\]\.train\.minNewData`/);
    expect(err).toMatch(/`train\.onData` names no dataset/);
    expect(err).toMatch(/Fix: add the datasets the ingestion pipeline updates: train: \{ onData: \[/);
  });

  test('promote without registers: the fix names `train.registers`', () => {
    const { code, err } = cli('no-registers.yaml', `${head}      promote: { metric: bleu }\n`);
    expect(code).toBe(1);
    expect(err).toMatch(/`models\[0\]\.train\.promote`/);
    expect(err).toMatch(/Fix: add train: \{ registers: churn \}/);
  });

  test("a canary step without a canary variant: the fix is the online model's canary", () => {
    const text = `${head}      registers: translate-en-da
      promote: { metric: bleu, canary: {} }
  - name: translate-api
    type: online
    model: models:/translate-en-da@champion
`;
    const { code, err } = cli('no-canary.yaml', text);
    expect(code).toBe(1);
    expect(err).toMatch(/`models\[0\]\.train\.promote\.canary`/);
    expect(err).toMatch(
      /Fix: give an online model serving models:\/translate-en-da@champion a canary variant: canary: \{ model: "models:\/translate-en-da@canary", traffic: 10 \}/,
    );
  });
});
