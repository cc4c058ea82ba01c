/**
 * The kserve backend against KServe v0.20.0's own rules: the replica arithmetic of canaries (a model of
 * pkg/controller/v1beta1/inferenceservice/components/predictor.go, canaryReplicaCount and reconcileRawDeployment,
 * checked with fast-check), the names KServe gives the predictors, and the platform checks of a split
 * (Envoy Gateway, the stable predictor's written floor against maxReplicas).
 */
import fc from 'fast-check';
import { OperatorKey, platformContext } from '../src/core/context';
import { formatIssue, Resolution } from '../src/core/errors';
import { resolveOnlineModel } from '../src/constructs/online/resolve';
import { SERVING_BACKENDS } from '../src/constructs/online/backends';
import { kservePredictorDeployment, kservePredictorService, kserveReplicaPlan } from '../src/constructs/online/backends/kserve';
import type { OnlineModelProps } from '../src/constructs/online/props';

/** What KServe v0.20.0 runs, in Go's terms: each canary's replicas and the stable predictor's HPA floor. */
function kserveRuns(stableMin: number | undefined, canaries: readonly { minReplicas?: number; trafficPercent: number }[]) {
  const canaryReplicaCount = (c: { minReplicas?: number; trafficPercent: number }) =>
    c.minReplicas ?? Math.ceil(((stableMin ?? 1) * c.trafficPercent) / 100);
  const replicas = canaries.map(canaryReplicaCount);
  const total = replicas.reduce((a, b) => a + b, 0);
  // reconcileRawDeployment: the stable minReplicas less the canaries' (only when set), at least 1; the HPA floor is at least 1.
  const adjusted = stableMin === undefined ? undefined : canaries.length > 0 ? Math.max(stableMin - total, 1) : stableMin;
  return { stableFloor: Math.max(adjusted ?? 1, 1), canaries: replicas };
}

/** Canary traffic that leaves the stable predictor its share: 1 to 4 canaries, summing to at most 100. */
const canaryTraffic = fc
  .array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 })
  .filter((t) => t.reduce((a, b) => a + b, 0) <= 100);

describe('kserveReplicaPlan: what we write, and what KServe v0.20.0 makes of it', () => {
  test("the stable predictor's HPA floor is the model's minimum; each canary runs max(1, ceil(min x p / 100))", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), canaryTraffic, (min, traffic) => {
        const plan = kserveReplicaPlan(min, traffic);
        const runs = kserveRuns(
          plan.stableMinReplicas,
          traffic.map((p, i) => ({ minReplicas: plan.canaryReplicas[i], trafficPercent: p })),
        );
        expect(runs.stableFloor).toBe(min);
        expect(runs.canaries).toEqual(traffic.map((p) => Math.max(1, Math.ceil((min * p) / 100))));
        // The canaries' minReplicas pass KServe's webhook: never above the stable predictor's.
        for (const c of plan.canaryReplicas) expect(c).toBeLessThanOrEqual(plan.stableMinReplicas);
      }),
    );
  });

  test('without canaries the written floor is the minimum itself (KServe subtracts nothing)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (min) => {
        expect(kserveReplicaPlan(min, [])).toEqual({ stableMinReplicas: min, canaryReplicas: [] });
      }),
    );
  });

  test('worked examples: 2 at 10 %, 2 at 50 %, 10 at 25 % + 5 %, a 0 % canary', () => {
    expect(kserveReplicaPlan(2, [10])).toEqual({ stableMinReplicas: 3, canaryReplicas: [1] });
    expect(kserveReplicaPlan(2, [50])).toEqual({ stableMinReplicas: 3, canaryReplicas: [1] });
    expect(kserveReplicaPlan(10, [25, 5])).toEqual({ stableMinReplicas: 14, canaryReplicas: [3, 1] });
    expect(kserveReplicaPlan(4, [0])).toEqual({ stableMinReplicas: 5, canaryReplicas: [1] });
  });

  test('the old fields (the minimum on canaries and the stable predictor) are what KServe ran below the floor', () => {
    // What the operators tier found: a canary at the model's minimum of 2 leaves the stable predictor 1.
    expect(kserveRuns(2, [{ minReplicas: 2, trafficPercent: 10 }])).toEqual({ stableFloor: 1, canaries: [2] });
    // And leaving the canary's minReplicas out is no fix by itself: KServe sizes it from the written (total) floor.
    expect(kserveRuns(3, [{ trafficPercent: 50 }])).toEqual({ stableFloor: 1, canaries: [2] });
  });
});

const ctx = (installed?: readonly OperatorKey[]) => ({
  team: 'risk',
  platform: platformContext(installed ? { installedOperators: installed } : {}),
});
const canary: OnlineModelProps = {
  variants: [
    { name: 'stable', model: 'models:/fraud@champion', traffic: 90 },
    { name: 'canary', model: 'models:/fraud/4', traffic: 10 },
  ],
};

const spec = <T>(r: Resolution<T>): T => {
  expect(r.issues).toEqual([]);
  return r.spec!;
};
const problems = (r: Resolution<unknown>) => r.issues.map(formatIssue).join('\n');

describe('kserve backend: names, quota and checks', () => {
  test("the stable predictor's objects are `<model>-predictor`, a canary's `<model>-<variant>-predictor`", () => {
    const m = spec(resolveOnlineModel('fraud', canary, ctx()));
    const [stable, c] = m.variants;
    expect(kservePredictorDeployment(m)).toBe('fraud-predictor');
    expect(kservePredictorService(m, stable)).toBe('fraud-predictor');
    expect(kservePredictorService(m, c)).toBe('fraud-canary-predictor');
    // The ModelTest endpoint and the queue scaler's target name the stable predictor's Service and Deployment.
    expect(SERVING_BACKENDS.kserve.endpoint(m, stable)).toEqual({
      url: 'http://fraud-predictor.risk.svc.cluster.local',
      modelName: 'fraud',
    });
    expect(SERVING_BACKENDS.kserve.scaledObjectNames('fraud', m.variants)).toEqual(['fraud-predictor']);
  });

  test('the quota counts the stable predictor at its maximum and each canary at its fixed share', () => {
    const m = spec(
      resolveOnlineModel('fraud', { ...canary, autoscaling: { minReplicas: 10, maxReplicas: 20, cpuUtilization: 70 } }, ctx()),
    );
    expect(m.variants.map((v) => SERVING_BACKENDS.kserve.podsAtMost(m, v))).toEqual([20, 1]);
  });

  test("canaries need Envoy Gateway on a known platform, named like the deployment backend's variants", () => {
    expect(problems(resolveOnlineModel('fraud', canary, ctx(['kserve'])))).toContain(
      'OnlineModel "fraud": `variants` = ["stable","canary"]: needs a Gateway API implementation (Envoy Gateway) and the Gateway modelplane-system/modelplane, which the platform does not install (operators.envoyGateway.enabled is off). Fix: set operators.envoyGateway.enabled: true in the platform file, or serve one variant, or use backend: "deployment" with `deployment.gateway` set to a Gateway of your own (and declared in the platform file\'s prerequisites)',
    );
    expect(resolveOnlineModel('fraud', canary, ctx(['kserve', 'envoyGateway'])).issues).toEqual([]);
    // One variant needs no gateway; an unknown platform is not checked.
    expect(resolveOnlineModel('fraud', { model: 'models:/fraud@champion' }, ctx(['kserve'])).issues).toEqual([]);
    expect(resolveOnlineModel('fraud', canary, ctx()).issues).toEqual([]);
  });

  test("a range whose maximum cannot hold the stable predictor's written floor is refused with the value to write", () => {
    const r = resolveOnlineModel('fraud', { ...canary, autoscaling: { minReplicas: 4, maxReplicas: 4, cpuUtilization: 70 } }, ctx());
    expect(problems(r)).toContain(
      'OnlineModel "fraud": `autoscaling.maxReplicas` = 4: is below 5: KServe counts the canaries\' 1 fixed replicas into the stable predictor\'s minReplicas (`autoscaling.minReplicas` 4 + 1) and requires that to be at most maxReplicas. Fix: set autoscaling: { maxReplicas: 5 } or more, or lower `autoscaling.minReplicas`',
    );
    expect(
      resolveOnlineModel('fraud', { ...canary, autoscaling: { minReplicas: 4, maxReplicas: 5, cpuUtilization: 70 } }, ctx()).issues,
    ).toEqual([]);
  });
});
