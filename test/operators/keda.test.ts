/**
 * KEDA's real operator and metrics adapter (built from the Go module proxy) on what modelplane synthesizes: the
 * translation example's queue worker (`translate-worker`, scaled on the RabbitMQ queue `translation-jobs`, to zero when
 * idle), synthesized by the CLI and applied as written, with a real RabbitMQ (Debian's) on loopback. The operator runs
 * as a process against the local kube-apiserver, watching every namespace, with the Secret the TriggerAuthentication
 * names holding the real AMQP URL. The adapter runs as a process too, on loopback, behind the API server's aggregation
 * layer (scripts/kube/up.sh with MODELPLANE_KUBE_AGGREGATOR=1): APIService v1beta1.external.metrics.k8s.io, through an
 * ExternalName Service naming 127.0.0.1 (no kube-proxy here), its serving certificate for the Service's name; it asks
 * the operator's gRPC metrics service over mutual TLS. The real HPA controller (kube-controller-manager's, synced
 * every 5 s) reads the metric through the aggregation layer.
 *
 * Proven: the ScaledObject becomes Ready (KEDA reads the Secret through our TriggerAuthentication and reaches the
 * queue); KEDA creates the HPA we expect (target, bounds, the external metric on the queue length per replica);
 * with an empty queue KEDA scales the Deployment to zero; messages on the queue activate it (KEDA itself scales
 * 0 -> 1 within the polling interval); the external metric read through the API server is the queue's length; with
 * 100 messages the HPA controller scales the Deployment to what the HPA formula gives for the ScaledObject's target
 * and bounds (ceil(100 / 20) = 5 of 1..12: its SuccessfulRescale event names the external metric), the HPA's status
 * shows the metric per replica, and the Deployment creates the Pods (Pending: no kubelet, which the HPA does not
 * need for an external metric); purging the queue brings the metric to 0, and the HPA holds the replicas only by its
 * scale-down stabilization window (AbleToScale: ScaleDownStabilized). Not waited for: the scale-down itself (the
 * window is 5 minutes, KEDA's cooldown before zero 300 s).
 * KEDA's adapter also serves Prometheus metrics on ":<--port>", every interface (it has no flag for the host): a
 * free port, nothing else listens beyond loopback.
 *
 * Needs scripts/operators/run-tier.sh (MODELPLANE_KEDA_BIN, RABBITMQ_AMQP_URL, a local control plane).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as amqp from 'amqplib';
import { parseAllDocuments } from 'yaml';
import { kubectl, kubectlOk, repoRoot, requireCluster } from '../cluster/kube';
import { freePort, startServer, stopServer, waitFor } from '../serving/k8s-env';
import { parseQuantity } from '../../src/core/validate';
import { eventually as poll, getJson, need } from './support';
const work = need('MODELPLANE_OPERATORS_WORK');
const amqpUrl = need('RABBITMQ_AMQP_URL');
const kedaBin = need('MODELPLANE_KEDA_BIN');
const certs = need('MODELPLANE_KEDA_CERTS');
const adapterCerts = need('MODELPLANE_KEDA_ADAPTER_CERTS');
const adapterService = need('MODELPLANE_KEDA_ADAPTER_SERVICE');
const EXTERNAL_METRICS = 'v1beta1.external.metrics.k8s.io';
const NS = 'translation';
const WORKER = 'translate-worker';
const QUEUE = 'translation-jobs';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

/** The translation example, synthesized by the CLI as the team's pipeline does. */
function synthExample(): Obj[] {
  const out = path.join(work, 'translation');
  const r = spawnSync(
    'node',
    [path.join(repoRoot, 'bin/modelplane.js'), 'synth', '-f', 'examples/translation-gpu/modelplane.yaml', '-o', out],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`modelplane synth failed: ${r.stderr}`);
  const text = fs.readFileSync(path.join(out, 'models-translation.k8s.yaml'), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJSON() as Obj);
}

/** Polls `probe` until it returns a value, or fails with `what`, the last value seen and both KEDA logs' tails. */
function eventually<T>(what: string, seconds: number, probe: () => T | undefined, last: () => string): Promise<T> {
  return poll(what, seconds, probe, last, [
    { name: "KEDA operator's", file: path.join(work, 'keda.log') },
    { name: "KEDA metrics adapter's", file: path.join(work, 'keda-adapter.log') },
  ]);
}

/** A Kubernetes quantity ("45", "20", "33334m", "1500k") in thousandths. */
function milli(q: string): number {
  return Math.round(parseQuantity(q) * 1000);
}

function condition(obj: any, type: string): any {
  return (obj?.status?.conditions ?? []).find((c: any) => c.type === type);
}

describe('KEDA acts on the translation example', () => {
  let keda: ReturnType<typeof startServer> | undefined;
  let adapter: ReturnType<typeof startServer> | undefined;
  let connection: amqp.ChannelModel | undefined;
  let channel: amqp.Channel | undefined;
  const objects = synthExample();
  const pick = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`the example has no ${kind} ${name}`);
    return o;
  };

  beforeAll(async () => {
    requireCluster();
    connection = await amqp.connect(amqpUrl);
    channel = await connection.createChannel();
    await channel.assertQueue(QUEUE, { durable: true });
    kubectlOk(['create', 'namespace', NS]);
    kubectlOk(['label', 'namespace', NS, 'pod-security.kubernetes.io/enforce=restricted']);
    kubectlOk(['create', 'namespace', 'keda']);
    // The prerequisite the platform engineer provides: the queue's URL, by reference from the TriggerAuthentication.
    kubectlOk(['-n', NS, 'create', 'secret', 'generic', 'rabbitmq-amqp', `--from-literal=host=${amqpUrl}`]);
    const apply = [pick('Deployment', WORKER), pick('TriggerAuthentication', `${WORKER}-rabbitmq`), pick('ScaledObject', WORKER)];
    kubectlOk(['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'], apply.map((o) => JSON.stringify(o)).join('\n'));
    const probe = await freePort();
    const grpcPort = await freePort();
    keda = startServer(
      [
        path.join(kedaBin, 'operator'),
        '--leader-elect=false',
        '--metrics-bind-address=127.0.0.1:0',
        `--health-probe-bind-address=127.0.0.1:${probe}`,
        `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
        `--cert-dir=${certs}`,
        '--enable-webhook-patching=false',
        '--enable-apiservice-patching=false',
        '--zap-log-level=info',
      ],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KUBECONFIG: need('KUBECONFIG'),
        WATCH_NAMESPACE: '',
        POD_NAMESPACE: 'keda',
        KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda',
      },
      path.join(work, 'keda.log'),
      path.join(work, 'pids'),
    );
    await waitFor(`http://127.0.0.1:${probe}/readyz`, 120, keda);
    // KEDA's metrics adapter: an extension API server for external.metrics.k8s.io on loopback, asking the operator's
    // gRPC metrics service (mutual TLS with the operator's pair in `certs`, which --cert-dir names for its client)
    // and serving its own pair. Delegated authentication and authorization against the local kube-apiserver.
    const adapterPort = await freePort();
    adapter = startServer(
      [
        path.join(kedaBin, 'adapter'),
        `--secure-port=${adapterPort}`,
        '--bind-address=127.0.0.1',
        `--tls-cert-file=${path.join(adapterCerts, 'tls.crt')}`,
        `--tls-private-key-file=${path.join(adapterCerts, 'tls.key')}`,
        `--cert-dir=${certs}`,
        `--metrics-service-address=127.0.0.1:${grpcPort}`,
        // Its Prometheus endpoint listens on ":<port>" (every interface; KEDA has no flag for the host): a free port.
        `--port=${await freePort()}`,
        `--lister-kubeconfig=${need('KUBECONFIG')}`,
        `--authentication-kubeconfig=${need('KUBECONFIG')}`,
        `--authorization-kubeconfig=${need('KUBECONFIG')}`,
        `--kubeconfig=${need('KUBECONFIG')}`,
        '--zap-log-level=info',
      ],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        KUBECONFIG: need('KUBECONFIG'),
        WATCH_NAMESPACE: '',
        POD_NAMESPACE: 'keda',
        KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda',
      },
      path.join(work, 'keda-adapter.log'),
      path.join(work, 'pids'),
    );
    // The aggregation layer reaches an APIService through its Service only. With no kube-proxy a ClusterIP leads
    // nowhere; an ExternalName Service is resolved by the aggregator to its externalName and the APIService's port
    // (k8s.io/apiserver's proxy.ResolveCluster), while TLS is verified for <service>.<namespace>.svc.
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: adapterService, namespace: 'keda' },
      spec: { type: 'ExternalName', externalName: '127.0.0.1', ports: [{ name: 'https', port: adapterPort }] },
    };
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: EXTERNAL_METRICS },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        service: { name: adapterService, namespace: 'keda', port: adapterPort },
        caBundle: fs.readFileSync(path.join(adapterCerts, 'ca.crt')).toString('base64'),
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    };
    kubectlOk(
      ['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'],
      [service, apiService].map((o) => JSON.stringify(o)).join('\n'),
    );
  });

  afterAll(async () => {
    await channel?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    // While KEDA still runs: it lifts its finalizers from the ScaledObject and the TriggerAuthentication, without
    // which the namespace would stay Terminating for good, and a later test file may create it again
    // (spark.test.ts: the translation example). Then the APIService, whose Service is in keda, then the rest.
    const gone = async (kind: string, name: string) => {
      kubectl(['delete', kind, name, '--ignore-not-found', '--wait=false']);
      await eventually(
        `${kind} ${name} deleted`,
        180,
        () => (kubectl(['get', kind, name, '-o', 'name']).stderr.includes('NotFound') ? true : undefined),
        () => kubectl(['get', kind, name, '-o', 'jsonpath={.status}']).stdout,
      );
    };
    await gone('namespace', NS);
    await gone('apiservice', EXTERNAL_METRICS);
    await stopServer(adapter);
    await stopServer(keda);
    await gone('namespace', 'keda');
  });

  const scaledObject = () => getJson(['-n', NS, 'get', 'scaledobject', WORKER]);
  const replicas = () => getJson(['-n', NS, 'get', 'deployment', WORKER]).spec.replicas as number;
  const HPA = `keda-hpa-${WORKER}`;
  const hpa = () => getJson(['-n', NS, 'get', 'hpa', HPA]);
  /** What the HPA controller says about the HPA: its status (conditions, current metrics) and its events. */
  const hpaReport = () => {
    const events = getJson(['-n', NS, 'get', 'events', '--field-selector', `involvedObject.name=${HPA}`]).items.map(
      (e: any) => `${e.type} ${e.reason}: ${e.message} (x${e.count ?? 1})`,
    );
    return `HPA ${NS}/${HPA} status ${JSON.stringify(hpa().status)}; its events: ${events.join(' | ') || '(none)'}`;
  };
  const queueLength = async () => (await channel!.checkQueue(QUEUE)).messageCount;
  /** The ScaledObject's metric as the HPA controller reads it: through the aggregation layer, from KEDA's adapter. */
  const externalMetric = () => {
    const spec = hpa().spec.metrics[0].external.metric;
    const selector = Object.entries(spec.selector.matchLabels as Record<string, string>)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const r = kubectl([
      'get',
      '--raw',
      `/apis/external.metrics.k8s.io/v1beta1/namespaces/${NS}/${spec.name}?labelSelector=${encodeURIComponent(selector)}`,
    ]);
    if (r.status !== 0) return { error: r.stderr.trim() };
    const items = JSON.parse(r.stdout).items as Array<{ metricName: string; value: string }>;
    return { items, milli: items.reduce((sum, i) => sum + milli(i.value), 0) };
  };

  test('the ScaledObject becomes Ready: KEDA reads the Secret through our TriggerAuthentication and reaches the queue', async () => {
    await eventually(
      'ScaledObject translate-worker Ready=True',
      120,
      () => (condition(scaledObject(), 'Ready')?.status === 'True' ? true : undefined),
      () => JSON.stringify(scaledObject().status ?? {}),
    );
  });

  test('KEDA creates the HPA we expect: our Deployment, 1..12 replicas, 20 messages per replica on the queue', () => {
    const hpa = getJson(['-n', NS, 'get', 'hpa', `keda-hpa-${WORKER}`]);
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: WORKER });
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.maxReplicas).toBe(12);
    expect(hpa.spec.metrics).toHaveLength(1);
    const external = hpa.spec.metrics[0].external;
    expect(external.metric.name).toContain(`rabbitmq-${QUEUE}`);
    expect(external.target).toEqual({ type: 'AverageValue', averageValue: '20' });
  });

  test('with an empty queue KEDA scales the worker to zero', async () => {
    await eventually(
      'Deployment translate-worker at 0 replicas',
      90,
      () => (replicas() === 0 ? true : undefined),
      () => `replicas ${replicas()}`,
    );
    await eventually(
      'ScaledObject Active=False',
      60,
      () => (condition(scaledObject(), 'Active')?.status === 'False' ? true : undefined),
      () => JSON.stringify(condition(scaledObject(), 'Active')),
    );
  });

  test('messages on the queue activate it: KEDA scales 0 -> 1 within its polling interval', async () => {
    for (let i = 0; i < 45; i++) channel!.sendToQueue(QUEUE, Buffer.from(`job ${i}`), { persistent: true });
    await channel!.waitForConfirms?.().catch(() => undefined);
    const polling = (pick('ScaledObject', WORKER) as any).spec.pollingInterval as number;
    await eventually(
      'Deployment translate-worker scaled up from zero',
      polling + 60,
      () => (replicas() >= 1 ? true : undefined),
      () => `replicas ${replicas()}, Active ${JSON.stringify(condition(scaledObject(), 'Active'))}`,
    );
    await eventually(
      'ScaledObject Active=True',
      60,
      () => (condition(scaledObject(), 'Active')?.status === 'True' ? true : undefined),
      () => JSON.stringify(condition(scaledObject(), 'Active')),
    );
  });
  test("the aggregation layer serves KEDA's external metric: the APIService is Available and the metric is the queue length", async () => {
    await eventually(
      `APIService ${EXTERNAL_METRICS} Available=True (KEDA's metrics adapter behind the aggregation layer)`,
      120,
      () =>
        adapter?.exitCode === null && condition(getJson(['get', 'apiservice', EXTERNAL_METRICS]), 'Available')?.status === 'True'
          ? true
          : undefined,
      () =>
        `adapter exit code ${adapter?.exitCode}; APIService status ${JSON.stringify(getJson(['get', 'apiservice', EXTERNAL_METRICS]).status)}`,
    );
    const discovery = JSON.parse(kubectlOk(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1']).stdout);
    expect(discovery.groupVersion).toBe('external.metrics.k8s.io/v1beta1');
    expect(discovery.resources.map((r: any) => r.name)).toContain('externalmetrics');
    // No consumer runs (no kubelet): the queue holds what the previous test published, and the metric says so.
    const length = await queueLength();
    expect(length).toBeGreaterThan(0);
    await eventually(
      `the external metric of ScaledObject ${NS}/${WORKER}, read through the API server, equal to the queue length ${length}`,
      60,
      () => (externalMetric().milli === length * 1000 ? true : undefined),
      () => JSON.stringify(externalMetric()),
    );
  });

  test('100 messages: the HPA controller reads the queue length through the metric and scales the worker above one replica', async () => {
    const so = pick('ScaledObject', WORKER) as any;
    const trigger = so.spec.triggers.find((t: any) => t.type === 'rabbitmq');
    expect(trigger.metadata.mode).toBe('QueueLength');
    const perReplica = Number(trigger.metadata.value);
    // KEDA gives the HPA minReplicaCount (at least 1) and maxReplicaCount; the HPA wants ceil(metric / target).
    const [min, max] = [Math.max(so.spec.minReplicaCount ?? 0, 1), so.spec.maxReplicaCount ?? 100];
    const messages = 100;
    const expected = Math.min(max, Math.max(min, Math.ceil(messages / perReplica)));
    expect(expected).toBeGreaterThan(1);
    await channel!.purgeQueue(QUEUE);
    for (let i = 0; i < messages; i++) channel!.sendToQueue(QUEUE, Buffer.from(`job ${i}`), { persistent: true });
    // The publishes are asynchronous: the queue's own count (RabbitMQ's queue.declare-ok) says when they are in.
    for (let waited = 0; (await queueLength()) !== messages; waited++) {
      if (waited === 30) throw new Error(`RabbitMQ holds ${await queueLength()} messages on ${QUEUE}, not the ${messages} published`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    await eventually(
      `HPA ${NS}/${HPA} at ${expected} desired replicas (${messages} messages, ${perReplica} per replica)`,
      120,
      () => (hpa().status?.desiredReplicas === expected && replicas() === expected ? true : undefined),
      () => `Deployment ${NS}/${WORKER} spec.replicas ${replicas()}; ${hpaReport()}`,
    );
    // The controller did it, for the external metric, and the Deployment created the Pods (Pending: no kubelet).
    await eventually(
      `HPA ${NS}/${HPA} status with ${expected} current replicas and the metric at ${messages} / ${expected} per replica`,
      120,
      () => {
        const status = hpa().status;
        const current = status?.currentMetrics?.[0]?.external?.current?.averageValue;
        return status?.currentReplicas === expected && current !== undefined && milli(current) === Math.ceil((messages * 1000) / expected)
          ? true
          : undefined;
      },
      () => hpaReport(),
    );
    const status = hpa().status;
    expect(condition(status && { status }, 'ScalingActive')?.status).toBe('True');
    expect(condition(status && { status }, 'AbleToScale')?.status).toBe('True');
    const rescales = getJson(['-n', NS, 'get', 'events', '--field-selector', `involvedObject.name=${HPA},reason=SuccessfulRescale`]).items;
    expect(rescales.map((e: any) => e.message)).toContainEqual(
      expect.stringMatching(new RegExp(`New size: ${expected}; reason: external metric .*rabbitmq-${QUEUE}.* above target`)),
    );
    expect(getJson(['-n', NS, 'get', 'deployment', WORKER]).status.replicas).toBe(expected);
    expect(externalMetric().milli).toBe(messages * 1000);
  });

  test('draining the queue: the metric falls to zero and the HPA would scale down (held by its stabilization window)', async () => {
    await channel!.purgeQueue(QUEUE);
    await eventually(
      `the external metric of ScaledObject ${NS}/${WORKER} at 0 once ${QUEUE} is purged`,
      60,
      () => (externalMetric().milli === 0 ? true : undefined),
      () => JSON.stringify(externalMetric()),
    );
    await eventually(
      `HPA ${NS}/${HPA} reporting the metric at 0 and a scale-down held by its stabilization window`,
      60,
      () => {
        const status = hpa().status;
        const current = status?.currentMetrics?.[0]?.external?.current?.averageValue;
        return current !== undefined && milli(current) === 0 && condition({ status }, 'AbleToScale')?.reason === 'ScaleDownStabilized'
          ? true
          : undefined;
      },
      () => hpaReport(),
    );
  });
});
