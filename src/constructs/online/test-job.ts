/**
 * What model tests and retro tests (beeline business's checks of its served models) share: the
 * script's ConfigMap, its command, mount and environment, a content hash for Job names, and the Job
 * around the pod.
 */
import { createHash } from 'crypto';
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import type { PlatformContext } from '../../core/context';
import { standardLabels } from '../../core/labels';
import { MODEL_TEST_SCRIPT, MODEL_TEST_SCRIPT_NAME } from './model-test-script';

/** The image model tests run in: Python's standard library is all the script needs. */
export const MODEL_TEST_IMAGE = 'docker.io/library/python:3.12.7-slim';
/** Where the script (and an inline reference dataset) is mounted. */
export const MODEL_TEST_DIR = '/opt/modelplane';

/** The first 8 hex digits of the SHA-256 of `parts` as JSON: a changed test is a new Job (Jobs are immutable). */
export function contentHash(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 8);
}

/** The command running the script in `mode`: `check` (a model test) or `score` (a retro test). */
export function scriptCommand(mode: 'check' | 'score'): string[] {
  return ['python3', `${MODEL_TEST_DIR}/${MODEL_TEST_SCRIPT_NAME}`, mode];
}

/** The script's environment: MLflow (for `mlflow-artifacts:/` locations), no bytecode, unbuffered output. */
export function scriptEnv(platform: Pick<PlatformContext, 'mlflowTrackingUri'>): k8s.EnvVar[] {
  return [
    { name: 'MLFLOW_TRACKING_URI', value: platform.mlflowTrackingUri },
    { name: 'PYTHONDONTWRITEBYTECODE', value: '1' },
    { name: 'PYTHONUNBUFFERED', value: '1' },
  ];
}

/** The read-only mount of the script's ConfigMap. */
export function scriptMount(): k8s.VolumeMount {
  return { name: 'script', mountPath: MODEL_TEST_DIR, readOnly: true };
}

/** The volume of the script's ConfigMap `name`. */
export function scriptVolume(name: string): k8s.Volume {
  return { name: 'script', configMap: { name, defaultMode: 0o444 } };
}

/** The name, namespace and labels of a test's ConfigMap and Job. */
export interface TestMeta {
  /** Job (and ConfigMap) name. */
  readonly name: string;
  /** Namespace. */
  readonly namespace: string;
  /** Labels of the ConfigMap, the Job and its pod. */
  readonly labels: Record<string, string>;
}

/** The metadata of test `name` of `model` in `namespace`; `kind` (`model-test`, `retro-test`) is its app name and component. */
export function testMeta(kind: string, name: string, namespace: string, model: string): TestMeta {
  return { name, namespace, labels: standardLabels({ name: kind, instance: name, component: kind, team: namespace, model }) };
}

/** The ConfigMap `name` holding the script and any `files` beside it. */
export function renderScriptConfigMap(scope: Construct, meta: TestMeta, files: Record<string, string> = {}): ApiObject {
  return new k8s.KubeConfigMap(scope, 'Script', { metadata: meta, data: { [MODEL_TEST_SCRIPT_NAME]: MODEL_TEST_SCRIPT, ...files } });
}

/** A test Job: its name and labels, retries, deadline and pod. */
export interface TestJobSpec extends TestMeta {
  /** Retries. */
  readonly backoffLimit: number;
  /** Seconds before the Job is stopped. */
  readonly activeDeadlineSeconds: number;
  /** The pod's own fields: security context, containers, volumes. */
  readonly pod: Omit<k8s.PodSpec, 'restartPolicy' | 'automountServiceAccountToken' | 'enableServiceLinks'>;
}

/** A Job whose one pod never restarts, has no service account token or service links, and is kept a week after it ends. */
export function renderTestJob(scope: Construct, j: TestJobSpec): ApiObject {
  return new k8s.KubeJob(scope, 'Job', {
    metadata: { name: j.name, namespace: j.namespace, labels: j.labels },
    spec: {
      backoffLimit: j.backoffLimit,
      activeDeadlineSeconds: j.activeDeadlineSeconds,
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels: j.labels },
        spec: { restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false, ...j.pod },
      },
    },
  });
}
