/**
 * A team's models against its quota (src/constructs/quota.ts): what each model requests at its most,
 * the sum against the ResourceQuota TeamSpace renders, and the messages for TypeScript and YAML users.
 */
import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { SparkBatchModel } from '../src/constructs/batch/spark-batch-model';
import { OnlineModel } from '../src/constructs/online/online-model';
import { Platform } from '../src/constructs/platform/platform';
import { formatBytes, formatCpu, QuotaDemand, quotaOverages, QUOTA_RESOURCES, teamQuotaIssues } from '../src/constructs/quota';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { issueWords } from '../src/frontends/config/wording';

const GI = 2n ** 30n;
const MI = 2n ** 20n;

const demand = (model: string, cpuMillis: number, memoryGi: number, gpus: number, pods: number): QuotaDemand => ({
  model,
  kind: 'OnlineModel',
  cpuMillis: BigInt(cpuMillis),
  memoryBytes: BigInt(memoryGi) * GI,
  gpus,
  pods,
  how: { cpu: `${pods} × x`, memory: `${pods} × y`, gpus: `${pods} × z`, pods: `${pods}` },
  scaledBy: 'autoscaling.maxReplicas',
});

const arbDemand = fc
  .tuple(fc.stringMatching(/^[a-z]{1,8}$/), fc.nat(64_000), fc.nat(256), fc.nat(16), fc.nat(100))
  .map(([n, c, m, g, p]) => demand(n, c, m, g, p));
const arbQuota = fc
  .tuple(fc.nat(200), fc.nat(1024), fc.nat(32), fc.nat(1000))
  .map(([cpu, mem, gpus, pods]) => ({ cpu: String(cpu), memory: `${mem}Gi`, gpus, pods }));

describe('quotaOverages', () => {
  test('a quota at least the sum of every demand is never exceeded', () => {
    fc.assert(
      fc.property(fc.array(arbDemand, { maxLength: 8 }), (ds) => {
        const sum = (f: (d: QuotaDemand) => bigint) => ds.reduce((a, d) => a + f(d), 0n);
        const quota = {
          cpu: `${sum((d) => d.cpuMillis)}m`,
          memory: String(sum((d) => d.memoryBytes)),
          gpus: Number(sum((d) => BigInt(d.gpus))),
          pods: Number(sum((d) => BigInt(d.pods))),
        };
        expect(quotaOverages(ds, quota)).toEqual([]);
      }),
    );
  });

  test('the overages do not depend on the order of the models, and each is the exact sum over its quota', () => {
    fc.assert(
      fc.property(fc.array(arbDemand, { maxLength: 8 }), arbQuota, (ds, quota) => {
        const got = quotaOverages(ds, quota);
        expect(quotaOverages([...ds].reverse(), quota)).toEqual(got);
        for (const o of got) {
          expect(o.requested).toBeGreaterThan(o.limit);
          expect(o.models.length).toBeGreaterThan(0);
        }
        expect(got.map((o) => o.resource)).toEqual(QUOTA_RESOURCES.filter((r) => got.some((o) => o.resource === r)));
      }),
    );
  });

  test('adding a model never removes an overage', () => {
    fc.assert(
      fc.property(fc.array(arbDemand, { maxLength: 6 }), arbDemand, arbQuota, (ds, extra, quota) => {
        const before = quotaOverages(ds, quota).map((o) => o.resource);
        const after = quotaOverages([...ds, extra], quota).map((o) => o.resource);
        for (const r of before) expect(after).toContain(r);
      }),
    );
  });

  test('names the models by their share, largest first', () => {
    const [o] = quotaOverages([demand('a', 1000, 0, 0, 0), demand('b', 5000, 0, 0, 0)], { cpu: '4', memory: '1Gi', gpus: 0, pods: 10 });
    expect(o).toMatchObject({ resource: 'cpu', requested: 6000n, limit: 4000n });
    expect(o.models.map((d) => d.model)).toEqual(['b', 'a']);
  });
});

describe('formatting', () => {
  test('CPUs and bytes as messages write them', () => {
    expect([formatCpu(24_000n), formatCpu(2500n), formatCpu(250n), formatCpu(1n)]).toEqual(['24', '2.5', '0.25', '0.001']);
    expect([formatBytes(96n * GI), formatBytes(1536n * MI), formatBytes(512n * MI)]).toEqual(['96Gi', '1.5Gi', '512Mi']);
    // "At least" is never below the amount.
    expect(formatBytes(103_625n * MI)).toBe('101.2Gi');
    expect(formatBytes(GI + 1n, true)).toBe('1.01Gi');
  });
});

/** A team chart on a platform with a GPU pool `gpu`. */
const chart = () =>
  new TeamModels(new App(), 'risk', {
    platform: platformContext({ gpuPools: [{ name: 'gpu', taint: { key: 'nvidia.com/gpu', effect: 'NoSchedule' }, nodeLabels: {} }] }),
  });

describe('what a model requests at its most', () => {
  test('online: every variant at its maximum replicas (KServe canaries at their fixed replicas), each pod its requests and GPUs', () => {
    const c = chart();
    const d = new OnlineModel(c, 'fraud', {
      backend: 'deployment',
      variants: [
        { name: 'stable', model: 'models:/fraud/3', traffic: 90 },
        { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
      ],
      resources: { cpu: '500m', memory: '1Gi' },
      autoscaling: { minReplicas: 2, maxReplicas: 6 },
    }).quotaDemand();
    expect(d).toMatchObject({ cpuMillis: 6000n, memoryBytes: 12n * GI, pods: 12, gpus: 0, scaledBy: 'autoscaling.maxReplicas' });
    expect(d.how.cpu).toBe('(6 + 6) × 0.5');
    const k = new OnlineModel(c, 'rec', {
      backend: 'kserve',
      variants: [
        { name: 'main', model: 'models:/rec/3', traffic: 90 },
        { name: 'canary', model: 'models:/rec/4', traffic: 10 },
      ],
      resources: { cpu: '1', memory: '2Gi' },
      gpu: { pool: 'gpu', count: 2 },
      autoscaling: { minReplicas: 3, maxReplicas: 8 },
    }).quotaDemand();
    // The stable predictor at 8, the 10 % canary at its share of the minimum 3: ceil(3 x 10 / 100) = 1 (kserveReplicaPlan).
    expect(k).toMatchObject({ pods: 9, cpuMillis: 9_000n, gpus: 18 });
    const fixed = new OnlineModel(c, 'fixed', {
      model: 's3://mlflow/mlflow/1/abc/artifacts/model',
      replicas: 3,
      backend: 'seldon',
    }).quotaDemand();
    expect(fixed).toMatchObject({ pods: 3, cpuMillis: 1500n, memoryBytes: 3n * GI, scaledBy: 'replicas' });
  });

  test('batch: the driver and its executors at their most, each cores and memory plus Spark’s overhead (0.4 for Python, at least 384MiB)', () => {
    const c = chart();
    const base = {
      image: 'registry.example.com/risk/m:1.0.0',
      sparkVersion: '3.5.5',
      pythonEnv: { archive: 's3a://envs/e.tar.gz', pythonVersion: '3.11' },
      score: { mainApplicationFile: 'local:///app/score.py' },
    };
    const d = new SparkBatchModel(c, 'churn', { ...base, executor: { instances: 9, cores: 3, memory: '4g' } }).quotaDemand();
    // driver 1 core, 2g + max(0.4 × 2048, 384) = 2867MiB; executors 4g + 1638MiB = 5734MiB
    expect(d).toMatchObject({ cpuMillis: 28_000n, memoryBytes: (2867n + 9n * 5734n) * MI, pods: 10, scaledBy: 'executor.instances' });
    expect(d.how.cpu).toBe('1 + 9 × 3');
    const dyn = new SparkBatchModel(c, 'ltv', {
      ...base,
      driver: { cores: 1, memory: '512m', memoryOverhead: '1g' },
      executor: { cores: 2, memory: '1g', instances: 2 },
      dynamicAllocation: { minExecutors: 1, maxExecutors: 10 },
      sparkConf: { 'spark.executor.memoryOverheadFactor': '0.1', 'spark.kubernetes.executor.request.cores': '1500m' },
      gpu: { pool: 'gpu', count: 1, on: 'both' },
    }).quotaDemand();
    // driver 512m + 1g given; executors 1g + max(102, 384) MiB, 1.5 CPUs requested
    expect(dyn).toMatchObject({ cpuMillis: 1000n + 15_000n, memoryBytes: (1536n + 10n * 1408n) * MI, gpus: 11, pods: 11 });
    expect(dyn.scaledBy).toBe('dynamicAllocation.maxExecutors');
  });
});

describe('the messages', () => {
  const ds = [
    { ...demand('fraud', 24_000, 8, 0, 6), how: { cpu: '6 × 4', memory: '', gpus: '', pods: '' } },
    {
      ...demand('churn', 28_000, 8, 0, 10),
      kind: 'SparkBatchModel',
      scaledBy: 'executor.instances',
      how: { cpu: '1 + 9 × 3', memory: '', gpus: '', pods: '' },
    },
  ];
  const quota = { cpu: '48', memory: '64Gi', gpus: 0, pods: 100 };

  test('TypeScript users read the props; YAML users the fields of their files', () => {
    const [i] = teamQuotaIssues('risk', ds, quota, 'teams[0].quota');
    expect(i.problem).toBe(
      "has models that request 52 CPUs at their maximum replicas (churn 1 + 9 × 3 = 28, fraud 6 × 4 = 24), over the quota's 48",
    );
    expect(i.fix).toBe(
      'raise `teams[0].quota.cpu` to at least 52, or lower `executor.instances` of churn or `autoscaling.maxReplicas` of fraud',
    );
    expect(issueWords(i).fix).toBe(
      'raise `teams[0].quota.cpu` to at least 52, or lower `spark.executor.instances` of churn or `replicas.max` of fraud',
    );
  });

  test("a Platform's team chart refuses, at synth, models that do not fit the team's quota", () => {
    const validate = (cpu: string) => {
      const platform = new Platform(new App(), 'platform', { teams: [{ name: 'risk', quota: { cpu } }] });
      const models = platform.models('risk');
      new OnlineModel(models, 'fraud', { model: 'models:/fraud@champion', resources: { cpu: '1', memory: '1Gi' } });
      return models.node.validate();
    };
    expect(validate('3')).toEqual([
      'TeamModels "risk": `team` = "risk": has models that request 4 CPUs at their maximum replicas (fraud 4 × 1 = 4), over the quota\'s 3. Fix: raise `teams[0].quota.cpu` to at least 4, or lower `autoscaling.maxReplicas` of fraud',
    ]);
    expect(validate('4')).toEqual([]);
  });
});
