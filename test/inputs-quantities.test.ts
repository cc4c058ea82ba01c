/**
 * Issue 11 ("nothing lost, nothing wrong"), values accepted and then wrong downstream: CPU and memory
 * quantities beyond what Kubernetes holds or finer than it counts, default CPU limits computed in
 * floating point, a non-breaking space in a cron schedule, and numeric props without an upper bound.
 * Through the TypeScript API (the constructs' messages) and the CLI (located in modelplane.yaml).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { GpuNodePool } from '../src/constructs/gpu-node-pool';
import { MlflowServer } from '../src/constructs/mlflow/mlflow-server';
import { ModelTest } from '../src/constructs/online/model-test';
import { OnlineModel, OnlineModelProps } from '../src/constructs/online/online-model';
import { RetroTest } from '../src/constructs/online/retro-test';
import { TeamModels } from '../src/constructs/team-models';
import { renderValue } from '../src/core/errors';
import { doubleCpu, resourceRequirements } from '../src/core/security';
import { compareQuantities, cronProblem, INT32_MAX, parseQuantity, quantityProblem } from '../src/core/validate';
import { run } from '../src/frontends/cli/main';
import { expectIssue } from './support/errors';

function online(props: Partial<OnlineModelProps>): () => unknown {
  return () => {
    const app = Testing.app();
    const models = new TeamModels(app, 'risk');
    new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment', ...props });
    return Testing.synth(models);
  };
}

const FRAUD = 'OnlineModel "fraud"';

describe('CPU and memory quantities', () => {
  test('a CPU request beyond what Kubernetes holds is refused (it gave a limit of 1.9999999999999998e+26m)', () => {
    expectIssue(online({ resources: { cpu: '99999999999999999999999', memory: '1Gi' } }), {
      construct: FRAUD,
      field: 'resources.cpu',
      value: '99999999999999999999999',
      says: /2\^63-1|9223372036854775807/,
    });
  });

  test('a CPU request below 1m is refused (it gave a limit of 0m, below the request)', () => {
    expectIssue(online({ resources: { cpu: '0.0001', memory: '1Gi' } }), {
      construct: FRAUD,
      field: 'resources.cpu',
      value: '0.0001',
      says: /1m/,
    });
  });

  test('CPU finer than 1m, memory in fractions of a byte and a memory beyond 2^63-1 bytes are refused', () => {
    expectIssue(online({ resources: { cpu: '1500.5m', memory: '1Gi' } }), { construct: FRAUD, field: 'resources.cpu', says: /1m/ });
    expectIssue(online({ resources: { cpu: '1', memory: '1.1Gi' } }), { construct: FRAUD, field: 'resources.memory', says: /byte/ });
    expectIssue(online({ resources: { cpu: '1', memory: '9Ei' } }), { construct: FRAUD, field: 'resources.memory', says: /2\^63-1/ });
    expectIssue(online({ resources: { cpu: '1', memory: '1Gi', cpuLimit: '1e30' } }), {
      construct: FRAUD,
      field: 'resources.cpuLimit',
      says: /2\^63-1/,
    });
  });

  test('quantityProblem never hangs on a huge exponent', () => {
    const t0 = Date.now();
    expect(quantityProblem('1e999999999')).toBeDefined();
    expect(quantityProblem('1e-999999999')).toBeDefined();
    expect(quantityProblem(`${'9'.repeat(100_000)}`)).toBeDefined();
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  test('the default CPU limit is twice the request, computed exactly, never below it', () => {
    expect(doubleCpu('99999999999999999999999')).toBe('9223372036854775807m');
    expect(doubleCpu('0.0001')).toBe('1m');
    expect(doubleCpu('1.0005')).toBe('2001m');
    expect(doubleCpu('37.532')).toBe('75064m');
    expect(doubleCpu('1e3')).toBe('2000000m');
    expect(doubleCpu('1k')).toBe('2000000m');
    expect(doubleCpu('250m')).toBe('500m');
    // Capped at what Kubernetes holds (still not below the request).
    expect(doubleCpu('9223372036854775807m')).toBe('9223372036854775807m');
    const limits = resourceRequirements({ cpu: '0.0015', memory: '1Gi' }).limits as Record<string, { value: unknown }>;
    expect(limits.cpu.value).toBe('3m');
  });

  test('RetroTest checks its CPU limit against its request, exactly, and its quantities like the others', () => {
    const build = (resources: Record<string, string>) => () => {
      const app = Testing.app();
      const models = new TeamModels(app, 'risk');
      new RetroTest(models, 'q1', {
        model: 'models:/fraud/3',
        input: 'mlflow-artifacts:/datasets/fraud/2025.csv',
        period: { from: '2025-01-01', to: '2025-03-31' },
        resources: resources as never,
      });
      return Testing.synth(models);
    };
    expectIssue(build({ cpu: '37.532', memory: '1Gi', cpuLimit: '37531m' }), {
      construct: 'RetroTest "q1"',
      field: 'resources.cpuLimit',
      value: '37531m',
    });
    expectIssue(build({ cpu: '1', memory: '1Gi', ephemeralStorage: 'lots' }), {
      construct: 'RetroTest "q1"',
      field: 'resources.ephemeralStorage',
    });
    expect(build({ cpu: '37.532', memory: '1Gi', cpuLimit: '37532m' })).not.toThrow();
  });
});

describe('cron', () => {
  test('a non-breaking space between fields is refused, naming the character', () => {
    expect(cronProblem('0\u00a03 * * *')).toMatch(/U\+00A0/);
    expect(cronProblem('0 3 * * *\u3000')).toMatch(/U\+3000/);
    expect(cronProblem('0\u20093 * * *')).toMatch(/U\+2009/);
    expect(cronProblem('0\t3 * * *')).toBeUndefined();
    expect(cronProblem(' 0 3 * * * ')).toBeUndefined();
  });
});

describe('numeric props are bounded (int32 or what the consumer takes)', () => {
  const big = INT32_MAX + 1;

  test('OnlineModel: RabbitMQ scaler numbers', () => {
    const hostSecret = { name: 'rabbitmq', key: 'url' };
    for (const key of ['messagesPerReplica', 'activationMessages', 'pollingInterval', 'cooldownPeriod'] as const) {
      expectIssue(
        online({
          role: 'queue-worker',
          autoscaling: { maxReplicas: 4, rabbitmq: { queueName: 'jobs', hostSecret, [key]: big } },
        }),
        { construct: FRAUD, field: `autoscaling.rabbitmq.${key}`, value: big, says: /2147483647/ },
      );
    }
  });

  test('OnlineModel: minReplicas is bounded even when maxReplicas is wrong too', () => {
    expectIssue(online({ autoscaling: { minReplicas: big, maxReplicas: big } }), {
      construct: FRAUD,
      field: 'autoscaling.minReplicas',
      value: big,
      says: /at most 1000/,
    });
  });

  test('ModelTest: waitSeconds', () => {
    const build = (waitSeconds: number) => () => {
      const app = Testing.app();
      const models = new TeamModels(app, 'risk');
      const target = new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment' });
      new ModelTest(models, 'smoke', { target, reference: 'a,expected\n1,2\n', waitSeconds });
      return Testing.synth(models);
    };
    expectIssue(build(1e12), { construct: 'ModelTest "smoke"', field: 'waitSeconds', value: 1e12, says: /604800/ });
    expect(build(3600)).not.toThrow();
  });

  test('MlflowServer: replicas', () => {
    expectIssue(() => new MlflowServer(Testing.chart(), 'mlflow', { namespace: 'mp', replicas: big }), {
      construct: 'MlflowServer "mlflow"',
      field: 'replicas',
      value: big,
      says: /1000/,
    });
  });

  test('GpuNodePool: maxGpus', () => {
    expectIssue(() => new GpuNodePool(Testing.chart(), 'a100', { maxGpus: big }), {
      construct: 'GpuNodePool "a100"',
      field: 'maxGpus',
      value: big,
      says: /2147483647/,
    });
  });
});

describe('through the CLI, located in modelplane.yaml', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'modelplane-inputs-q-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function synth(text: string): { code: number; err: string; written: string[] } {
    const file = join(root, 'modelplane.yaml');
    writeFileSync(file, text);
    let err = '';
    const code = run(['synth', '-f', file, '-o', join(root, 'dist')], { out: () => undefined, err: (t) => (err += t) as never }, root);
    return { code, err, written: readdirSync(root).filter((f) => f !== 'modelplane.yaml') };
  }

  const ONLINE = (resources: string) =>
    `team: risk\nmodels:\n  - name: fraud\n    type: online\n    model: "models:/fraud@champion"\n    resources: ${resources}\n`;

  test.each([
    [
      'a huge CPU',
      '{ cpu: "99999999999999999999999", memory: 1Gi }',
      /modelplane\.yaml:6:23: `models\[0\]\.resources\.cpu` = "99999999999999999999999"/,
    ],
    ['a tiny CPU', '{ cpu: "0.0001", memory: 1Gi }', /modelplane\.yaml:6:23: `models\[0\]\.resources\.cpu` = "0.0001".*1m/],
  ])('%s is refused with exit 1', (_name, resources, line) => {
    const r = synth(ONLINE(resources));
    expect({ code: r.code, written: r.written }).toEqual({ code: 1, written: [] });
    expect(r.err).toMatch(line);
    expect(r.err).not.toMatch(/internal error/);
  });

  test('a non-breaking space in a cron schedule is refused with exit 1, located, naming U+00A0', () => {
    const text = `team: risk
defaults: { image: docker.io/apache/spark:3.5.3-python3, python: "3.11", spark: { version: "3.5.3" } }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    environment: s3a://envs/risk/churn-1.4.2.tar.gz
    output: hive://risk.churn_scores
    schedule: "0\u00a03 * * *"
`;
    const r = synth(text);
    expect({ code: r.code, written: r.written }).toEqual({ code: 1, written: [] });
    expect(r.err).toMatch(/modelplane\.yaml:9:15: `models\[0\]\.schedule` .*U\+00A0/);
    // The value is shown with the character escaped: printed as is, it looks like a space.
    expect(r.err).toContain('= "0\\u00a03 * * *"');
  });
});

describe('binary suffixes starting with E', () => {
  test('"Ei" is a binary suffix, not an exponent (compareQuantities threw, parseQuantity gave NaN)', () => {
    expect(compareQuantities('1Ei', '1E')).toBe(1);
    expect(compareQuantities('1Ei', `${2n ** 60n}`)).toBe(0);
    expect(parseQuantity('2Ei')).toBe(2 ** 61);
    expect(quantityProblem('7Ei', 'bytes')).toBeUndefined();
  });
});

describe('messages show invisible characters escaped', () => {
  test('renderValue writes no-break spaces, C1 controls, separators and bidirectional controls as \\u escapes', () => {
    expect(renderValue('0\u00a03 * * *')).toBe('"0\\u00a03 * * *"');
    expect(renderValue('a\u0085b\u2028c\u202ed\ufeff')).toBe('"a\\u0085b\\u2028c\\u202ed\\ufeff"');
    expect(renderValue('é ü 😀')).toBe('"é ü 😀"');
    const cut = renderValue(`${'x'.repeat(115)}\u00a0\u00a0`);
    expect(cut).toMatch(/x\.\.\.$/);
    expect(cut.length).toBeLessThanOrEqual(120);
  });
});

describe('text fields through the TypeScript API refuse characters no generated file can carry', () => {
  test('OnlineModel: an image with U+0085 and an s3:// model URI with a NUL', () => {
    expectIssue(online({ image: 'docker.io/team/server:1\u0085' }), { construct: FRAUD, field: 'image', says: /U\+0085/ });
    expectIssue(online({ model: 's3://bucket/models/fraud\u0000' }), { construct: FRAUD, field: 'model', says: /U\+0000 \(NUL\)/ });
  });

  test('ModelTest: the reference CSV may hold line breaks, not control characters', () => {
    const build = (reference: string) => () => {
      const app = Testing.app();
      const models = new TeamModels(app, 'risk');
      const target = new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', backend: 'deployment' });
      new ModelTest(models, 'smoke', { target, reference });
      return Testing.synth(models);
    };
    expect(build('amount,expected\r\n10,0.5\r\n')).not.toThrow();
    expectIssue(build('amount,expected\n10,0.5\u2028\n'), { construct: 'ModelTest "smoke"', field: 'reference', says: /U\+2028/ });
  });

  test('RetroTest: input location and excluded columns', () => {
    const build =
      (input: string, excludeColumns: string[] = []) =>
      () => {
        const app = Testing.app();
        const models = new TeamModels(app, 'risk');
        new RetroTest(models, 'q1', { model: 'models:/fraud/3', input, period: { from: '2025-01-01', to: '2025-03-31' }, excludeColumns });
        return Testing.synth(models);
      };
    expectIssue(build('mlflow-artifacts:/d/2025.csv\u0007'), { construct: 'RetroTest "q1"', field: 'input', says: /U\+0007/ });
    expectIssue(build('mlflow-artifacts:/d/2025.csv', ['id\u0085']), {
      construct: 'RetroTest "q1"',
      field: 'excludeColumns[0]',
      says: /U\+0085/,
    });
  });

  test('MlflowServer: an S3 endpoint with a control character', () => {
    expectIssue(
      () =>
        new MlflowServer(Testing.chart(), 'mlflow', {
          namespace: 'mp',
          artifactStore: { s3: { bucket: 'mlflow', endpoint: 'https://s3.example.com/\u0001' } },
        }),
      { construct: 'MlflowServer "mlflow"', field: 'artifactStore.s3.endpoint', says: /U\+0001/ },
    );
  });
});
