/**
 * KEDA's real operator (built from the Go module proxy) on what modelplane synthesizes: the translation example's
 * queue worker (`translate-worker`, scaled on the RabbitMQ queue `translation-jobs`, to zero when idle), synthesized
 * by the CLI and applied as written, with a real RabbitMQ (Debian's) on loopback. The operator runs as a process
 * against the local kube-apiserver, watching every namespace, with the Secret the TriggerAuthentication names
 * holding the real AMQP URL.
 *
 * Proven: the ScaledObject becomes Ready (KEDA reads the Secret through our TriggerAuthentication and reaches the
 * queue); KEDA creates the HPA we expect (target, bounds, the external metric on the queue length per replica);
 * with an empty queue KEDA scales the Deployment to zero; messages on the queue activate it (KEDA itself scales
 * 0 -> 1 within the polling interval). Not here: the HPA following the external metric above one replica needs
 * KEDA's metrics adapter behind the API server's aggregation layer and the HPA controller (not in the tier yet).
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

const need = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set: run this tier through scripts/operators/run-tier.sh (npm run test:operators)`);
  return v;
};
const work = need('MODELPLANE_OPERATORS_WORK');
const amqpUrl = need('RABBITMQ_AMQP_URL');
const kedaBin = need('MODELPLANE_KEDA_BIN');
const certs = need('MODELPLANE_KEDA_CERTS');
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

function getJson(args: string[]): any {
  return JSON.parse(kubectlOk([...args, '-o', 'json']).stdout);
}

/** Polls `probe` until it returns a value, or fails with `what` and the last value seen. */
async function eventually<T>(what: string, seconds: number, probe: () => T | undefined, last: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${what} within ${seconds} s; last seen: ${last()}\nKEDA's log (tail):\n${tail(path.join(work, 'keda.log'))}`);
}

function tail(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-25).join('\n') : '(none)';
}

function condition(obj: any, type: string): any {
  return (obj?.status?.conditions ?? []).find((c: any) => c.type === type);
}

describe('KEDA acts on the translation example', () => {
  let keda: ReturnType<typeof startServer> | undefined;
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
    keda = startServer(
      [
        path.join(kedaBin, 'operator'),
        '--leader-elect=false',
        '--metrics-bind-address=127.0.0.1:0',
        `--health-probe-bind-address=127.0.0.1:${probe}`,
        `--metrics-service-bind-address=127.0.0.1:${await freePort()}`,
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
  });

  afterAll(async () => {
    await channel?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await stopServer(keda);
    kubectl(['delete', 'namespace', NS, 'keda', '--wait=false']);
  });

  const scaledObject = () => getJson(['-n', NS, 'get', 'scaledobject', WORKER]);
  const replicas = () => getJson(['-n', NS, 'get', 'deployment', WORKER]).spec.replicas as number;

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
});
