/**
 * Every pod template in the full default platform meets Pod Security "restricted" and modelplane's
 * own bar (requests and limits, pinned images, read-only root filesystem with writable scratch
 * space). The walker itself is tested on every shape it claims to understand, so a new kind of
 * workload cannot slip past it unnoticed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { buildPlatform, defaultConfig } from '../stacks/build';
import { appObjects } from './support/manifests';
import {
  isPinnedImage,
  missingScratchMounts,
  podTemplates,
  POLICY_ALLOWLIST,
  restrictedViolations,
  templateViolations,
} from './support/policy';

const restrictedPod = (extra: Record<string, unknown> = {}) => ({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [
    {
      name: 'main',
      image: 'example.com/app:1.0.0',
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
    },
  ],
  ...extra,
});

describe('the default platform', () => {
  // A temp outdir: validation writes the DAG files beside the manifests, never into the work tree.
  const outdir = mkdtempSync(join(tmpdir(), 'modelplane-policy-test-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir });
  buildPlatform(app, defaultConfig());
  const objs = appObjects(app);
  const templates = podTemplates(objs);

  test('has the workloads the walker must see', () => {
    const owners = templates.map((t) => `${t.owner} ${t.path}`).sort();
    expect(owners).toEqual(
      expect.arrayContaining([
        'Deployment/modelplane-system/mlflow spec.template.spec',
        'StatefulSet/modelplane-system/mlflow-postgres spec.template.spec',
        'StatefulSet/modelplane-system/object-store spec.template.spec',
        'Job/modelplane-system/modelplane-secret-bootstrap spec.template.spec',
        'DaemonSet/kube-system/nvidia-device-plugin-gpu spec.template.spec',
      ]),
    );
    // Every workload kind in the output has at least one template found.
    const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet', 'Pod']);
    for (const o of objs.filter((x) => workloadKinds.has(String(x.kind)))) {
      const md = o.metadata as Record<string, string>;
      expect(templates.some((t) => t.kind === o.kind && t.name === md.name)).toBe(true);
    }
  });

  test('every pod template meets restricted, with requests/limits, pinned images and read-only root fs', () => {
    expect(restrictedViolations(objs)).toEqual([]);
  });

  test('every read-only container has a writable scratch mount', () => {
    expect(missingScratchMounts(objs)).toEqual([]);
  });

  test('the only exception is the device plugin, and it is waived only for what it needs', () => {
    expect(POLICY_ALLOWLIST).toHaveLength(1);
    const waived = templates.filter((t) => POLICY_ALLOWLIST.some((e) => e.matches(t)));
    expect(waived.map((t) => t.owner)).toEqual(['DaemonSet/kube-system/nvidia-device-plugin-gpu']);
    // Without the allowlist the device plugin breaks exactly the waived rules, nothing else.
    const raw = [...new Set(waived.flatMap(templateViolations).map((v) => v.rule))].sort();
    expect(raw).toEqual([...POLICY_ALLOWLIST[0].rules].sort());
    expect(POLICY_ALLOWLIST[0].reason).toMatch(/device-plugins/);
  });

  test('pods that do not call the API server get no service account token', () => {
    const callers = new Set(['Job/modelplane-system/modelplane-secret-bootstrap']);
    const platformChart = podTemplates(app.charts.find((c) => c.node.id === 'platform')!.toJson());
    expect(platformChart.length).toBeGreaterThanOrEqual(5);
    for (const t of platformChart) {
      expect([t.owner, t.pod.automountServiceAccountToken]).toEqual([t.owner, callers.has(t.owner)]);
    }
  });
});

describe('the pod-template walker', () => {
  const wrap = (kind: string, spec: unknown) => ({ apiVersion: 'x/v1', kind, metadata: { name: 'n', namespace: 'ns' }, spec });

  test('finds core workload templates, CronJob job templates and init containers', () => {
    const objs = [
      wrap('Deployment', { template: { spec: restrictedPod() } }),
      wrap('CronJob', {
        jobTemplate: { spec: { template: { spec: restrictedPod({ initContainers: [{ name: 'init', image: 'busybox' }] }) } } },
      }),
    ];
    const found = podTemplates(objs);
    expect(found.map((t) => t.path)).toEqual(['spec.template.spec', 'spec.jobTemplate.spec.template.spec']);
    const v = restrictedViolations(objs);
    expect(v.every((x) => x.where.includes('container "init" (init)'))).toBe(true);
    expect(v.map((x) => x.rule)).toEqual(
      expect.arrayContaining([
        'pinned-image',
        'allow-privilege-escalation',
        'capabilities-drop-all',
        'read-only-root-fs',
        'requests-and-limits',
      ]),
    );
  });

  test('flags host namespaces, hostPath, privileged, root, added capabilities and host ports', () => {
    const pod = restrictedPod({ hostNetwork: true, hostPID: true, volumes: [{ name: 'h', hostPath: { path: '/' } }] });
    pod.securityContext = { runAsNonRoot: false, seccompProfile: { type: 'Unconfined' } } as never;
    Object.assign(pod.containers[0].securityContext, {
      privileged: true,
      runAsUser: 0,
      capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] },
    });
    Object.assign(pod.containers[0], { ports: [{ containerPort: 80, hostPort: 80 }] });
    const rules = restrictedViolations([wrap('Pod', pod)])
      .map((v) => v.rule)
      .sort();
    expect(rules).toEqual(
      [
        'capabilities-add',
        'host-namespaces',
        'host-namespaces',
        'host-path',
        'host-ports',
        'privileged',
        'run-as-non-root',
        'run-as-user-not-root',
        'seccomp-runtime-default',
        'volume-types',
      ].sort(),
    );
  });

  test('a restricted pod passes', () => {
    expect(restrictedViolations([wrap('Deployment', { template: { spec: restrictedPod() } })])).toEqual([]);
  });

  test('covers SparkApplication driver and executor, and ScheduledSparkApplication templates', () => {
    const sparkSpec = {
      image: 'example.com/spark:3.5.5',
      driver: {
        cores: 1,
        coreLimit: '1200m',
        memory: '2g',
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      },
      executor: { cores: 2, memory: '4g', securityContext: {}, sidecars: [{ name: 'side', image: 'x:1' }] },
    };
    const found = podTemplates([
      wrap('SparkApplication', sparkSpec),
      wrap('ScheduledSparkApplication', { schedule: '@daily', template: sparkSpec }),
    ]);
    expect(found.map((t) => `${t.kind} ${t.path} ${t.shape}`)).toEqual([
      'SparkApplication spec.driver spark-driver',
      'SparkApplication spec.executor spark-executor',
      'ScheduledSparkApplication spec.template.driver spark-driver',
      'ScheduledSparkApplication spec.template.executor spark-executor',
    ]);
    const v = restrictedViolations([wrap('SparkApplication', sparkSpec)]);
    expect(v.find((x) => x.where.includes('spec.executor container "executor"') && x.rule === 'requests-and-limits')?.detail).toMatch(
      /coreLimit/,
    );
    expect(v.some((x) => x.where.includes('spec.driver') && x.rule === 'allow-privilege-escalation')).toBe(true);
    expect(v.some((x) => x.where.includes('container "side" (sidecar)'))).toBe(true);
  });

  test('reads Spark pod templates (driver.template / executor.template) for security context and volumes', () => {
    const template = (sc: Record<string, unknown>) => ({
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        volumes: [{ name: 'tmp', emptyDir: {} }],
        containers: [{ name: 'spark-kubernetes-driver', securityContext: sc, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }],
      },
    });
    const good = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
    const spec = {
      image: 'example.com/spark:3.5.5',
      driver: { cores: 1, coreLimit: '1', memory: '1g', template: template(good) },
      executor: { cores: 1, coreLimit: '1', memory: '1g', template: template({ ...good, readOnlyRootFilesystem: false }) },
    };
    const v = restrictedViolations([wrap('SparkApplication', spec)]);
    expect(v.map((x) => `${x.where} ${x.rule}`)).toEqual([
      'SparkApplication/ns/n spec.executor container "executor" (container) read-only-root-fs',
    ]);
    expect(podTemplates([wrap('SparkApplication', spec)])[0].volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
  });

  test('covers KServe predictors (model container), Seldon componentSpecs and Argo templates', () => {
    const isvc = wrap('InferenceService', { predictor: { model: { modelFormat: { name: 'mlflow' }, storageUri: 's3://b/m' } } });
    const sdep = wrap('SeldonDeployment', { predictors: [{ name: 'p', componentSpecs: [{ spec: restrictedPod() }] }] });
    const cwf = wrap('CronWorkflow', {
      schedule: '0 3 * * *',
      workflowSpec: {
        entrypoint: 'main',
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        templates: [
          { name: 'main', dag: { tasks: [] } },
          { name: 'run', container: { image: 'example.com/job:1', securityContext: {} } },
          { name: 'py', script: { image: 'python:latest', source: 'print(1)' } },
        ],
      },
    });
    const found = podTemplates([isvc, sdep, cwf]);
    expect(found.map((t) => `${t.kind} ${t.path} ${t.shape}`)).toEqual([
      'InferenceService spec.predictor kserve-predictor',
      'SeldonDeployment spec.predictors[0].componentSpecs[0].spec pod',
      'CronWorkflow spec.workflowSpec.templates[1](run) argo-template',
      'CronWorkflow spec.workflowSpec.templates[2](py) argo-template',
    ]);
    const v = restrictedViolations([isvc, sdep, cwf]);
    expect(v.some((x) => x.where.startsWith('InferenceService') && x.rule === 'requests-and-limits')).toBe(true);
    expect(v.some((x) => x.where.startsWith('SeldonDeployment'))).toBe(false);
    expect(v.some((x) => x.where.includes('(py)') && x.rule === 'pinned-image')).toBe(true);
    expect(v.some((x) => x.where.includes('(run)') && x.rule === 'run-as-non-root')).toBe(false);
  });

  test('the device plugin exception does not match look-alikes outside kube-system', () => {
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'nvidia-device-plugin-x', namespace: 'team-a' },
      spec: { template: { spec: restrictedPod({ volumes: [{ name: 'h', hostPath: { path: '/var/lib/kubelet/device-plugins' } }] }) } },
    };
    expect(restrictedViolations([ds]).map((v) => v.rule)).toEqual(['host-path', 'volume-types']);
  });

  test('image pinning', () => {
    expect(isPinnedImage('example.com/app:1.0')).toBe(true);
    expect(isPinnedImage('localhost:5000/app@sha256:abc')).toBe(true);
    expect(isPinnedImage('localhost:5000/app')).toBe(false);
    expect(isPinnedImage('app:latest')).toBe(false);
    expect(isPinnedImage(undefined)).toBe(false);
  });
});
