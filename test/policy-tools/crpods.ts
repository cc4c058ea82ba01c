/**
 * kube-score and Checkov score only the kinds they know: a SparkApplication, an Argo WorkflowTemplate, a
 * KServe InferenceService or a SeldonDeployment is skipped silently, although each describes pods that
 * its operator will create. This turns those descriptions into plain `v1 Pod` manifests, one per pod
 * shape, so both tools check the containers we actually ship. Each carries the annotation
 * `modelplane.dev/policy-source: Kind/namespace/name` (and `modelplane.dev/policy-path`), and the judge
 * (evaluate.ts) attributes its results, and matches allowlist entries, by that source.
 *
 * Shapes (only fields we set are copied; what an operator adds at run time is not invented):
 *  - any nested PodSpec (an object with a `containers` list), e.g. Seldon `componentSpecs[].spec`,
 *    KServe predictor containers;
 *  - KServe `model` components: the model becomes the `kserve-container`;
 *  - Spark Operator driver/executor (SparkApplication.spec, ScheduledSparkApplication.spec.template):
 *    resources as the operator sets them (cpu request = cores, cpu limit = coreLimit, memory request and
 *    limit = memory + memoryOverhead when given, in Spark's units converted to Kubernetes quantities);
 *  - Argo Workflows templates with `container`, `script` or `containerSet` (the `main` container; the
 *    workflow-level securityContext, volumes and service-account settings apply unless the template sets them).
 *
 * CLI: ts-node test/policy-tools/crpods.ts IN_DIR OUT_DIR  (writes OUT_DIR/custom-resource-pods.yaml when
 * there is anything to write; prints a one-line count).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** PodSpec fields copied from a nested pod spec (other keys of a CR component, e.g. minReplicas, are dropped). */
const POD_SPEC_FIELDS = [
  'affinity',
  'automountServiceAccountToken',
  'containers',
  'dnsPolicy',
  'enableServiceLinks',
  'hostIPC',
  'hostNetwork',
  'hostPID',
  'hostUsers',
  'imagePullSecrets',
  'initContainers',
  'nodeSelector',
  'priorityClassName',
  'restartPolicy',
  'runtimeClassName',
  'schedulerName',
  'securityContext',
  'serviceAccountName',
  'shareProcessNamespace',
  'terminationGracePeriodSeconds',
  'tolerations',
  'topologySpreadConstraints',
  'volumes',
];

/** API groups served by Kubernetes itself (everything else comes from a CRD). */
const BUILTIN_GROUPS = new Set([
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'apps',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'resource.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'storagemigration.k8s.io',
]);

/** Whether an apiVersion belongs to a custom resource (a group Kubernetes itself does not serve). */
export function isCustomApiVersion(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  return slash > 0 && !BUILTIN_GROUPS.has(apiVersion.slice(0, slash));
}

function pick(node: Obj, fields: readonly string[]): Obj {
  const out: Obj = {};
  for (const f of fields) if (node[f] !== undefined) out[f] = node[f];
  return out;
}

/** Spark's JVM-style size (`512m`, `2g`, `1024k`, bytes) as a Kubernetes quantity in Mi; undefined when not parseable. */
export function sparkMemoryToMi(v: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)b?$/i.exec(String(v ?? '').trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  const mi = unit === 'k' ? n / 1024 : unit === 'm' ? n : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : n / (1024 * 1024);
  return Math.ceil(mi);
}

function sparkPod(app: Obj, role: Obj, roleName: 'driver' | 'executor'): Obj {
  // Spark Operator v2 starts from the role's pod template (`template`, a PodTemplateSpec) when given, and
  // lays the SparkPodSpec fields over it; the container is the one named by
  // spark.kubernetes.<role>.podTemplateContainerName, else the template's first container.
  const tmpl = isObj(role.template) && isObj(role.template.spec) ? role.template.spec : {};
  const conf = isObj(app.sparkConf) ? app.sparkConf : {};
  const tmplContainers = objList(tmpl.containers);
  const wanted = conf[`spark.kubernetes.${roleName}.podTemplateContainerName`];
  const base = tmplContainers.find((c) => c.name === wanted) ?? tmplContainers[0] ?? {};
  const others = tmplContainers.filter((c) => c !== base);
  const requests: Obj = { ...(isObj(base.resources?.requests) ? base.resources.requests : {}) };
  const limits: Obj = { ...(isObj(base.resources?.limits) ? base.resources.limits : {}) };
  if (role.coreRequest !== undefined) requests.cpu = String(role.coreRequest);
  else if (role.cores !== undefined) requests.cpu = String(role.cores);
  if (role.coreLimit !== undefined) limits.cpu = String(role.coreLimit);
  const mem = sparkMemoryToMi(role.memory);
  if (mem !== undefined) {
    const overhead = role.memoryOverhead !== undefined ? (sparkMemoryToMi(role.memoryOverhead) ?? 0) : 0;
    requests.memory = limits.memory = `${mem + overhead}Mi`;
  }
  const container: Obj = {
    ...base,
    name: base.name ?? (roleName === 'driver' ? 'spark-kubernetes-driver' : 'spark-kubernetes-executor'),
    image: role.image ?? app.image ?? base.image,
    ...(app.imagePullPolicy !== undefined ? { imagePullPolicy: app.imagePullPolicy } : {}),
    ...pick(role, ['env', 'envFrom', 'ports', 'securityContext', 'volumeMounts', 'lifecycle']),
    resources: { ...(Object.keys(requests).length ? { requests } : {}), ...(Object.keys(limits).length ? { limits } : {}) },
  };
  const mounted = new Set(objList(container.volumeMounts).map((m) => m.name));
  const volumes = [...objList(tmpl.volumes), ...objList(app.volumes).filter((v) => mounted.has(v.name))];
  return {
    ...pick(tmpl, POD_SPEC_FIELDS),
    ...(role.podSecurityContext !== undefined ? { securityContext: role.podSecurityContext } : {}),
    ...pick(role, [
      'affinity',
      'tolerations',
      'nodeSelector',
      'hostNetwork',
      'schedulerName',
      'priorityClassName',
      'terminationGracePeriodSeconds',
      'dnsConfig',
    ]),
    ...(role.serviceAccount !== undefined ? { serviceAccountName: role.serviceAccount } : {}),
    ...(role.automountServiceAccountToken !== undefined ? { automountServiceAccountToken: role.automountServiceAccountToken } : {}),
    restartPolicy: 'Never',
    containers: [container, ...others, ...objList(role.sidecars)],
    ...(objList(tmpl.initContainers).length + objList(role.initContainers).length
      ? { initContainers: [...objList(tmpl.initContainers), ...objList(role.initContainers)] }
      : {}),
    ...(volumes.length ? { volumes } : {}),
  };
}

function argoPod(spec: Obj, t: Obj): Obj | undefined {
  const mains: Obj[] = [];
  if (isObj(t.container)) mains.push({ name: 'main', ...t.container });
  if (isObj(t.script)) {
    const { source: _source, ...script } = t.script;
    mains.push({ name: 'main', ...script });
  }
  if (isObj(t.containerSet)) mains.push(...objList(t.containerSet.containers));
  if (mains.length === 0) return undefined;
  const mounted = new Set(mains.flatMap((c) => objList(c.volumeMounts).map((m) => m.name)));
  const volumes = [...objList(spec.volumes), ...objList(t.volumes)].filter((v) => mounted.has(v.name));
  const first = (k: string) => (t[k] !== undefined ? t[k] : spec[k]);
  const pod: Obj = { restartPolicy: 'Never', containers: mains };
  for (const k of [
    'securityContext',
    'automountServiceAccountToken',
    'serviceAccountName',
    'nodeSelector',
    'tolerations',
    'affinity',
    'priorityClassName',
    'hostNetwork',
  ]) {
    if (first(k) !== undefined) pod[k] = first(k);
  }
  if (objList(t.initContainers).length) pod.initContainers = objList(t.initContainers);
  if (volumes.length) pod.volumes = volumes;
  return pod;
}

/** One pod a custom resource describes. */
export interface ExtractedPod {
  /** JSON-ish path of the pod description inside the resource. */
  readonly path: string;
  /** The PodSpec. */
  readonly spec: Obj;
  /** Pod labels (from a sibling `metadata.labels` when the spec sits in a pod template). */
  readonly labels: Record<string, string>;
  /** Set when a container's image is chosen by the operator at run time (a KServe model without `image`). */
  readonly imageFromRuntime?: boolean;
}

/** The pods one custom resource describes (empty for a built-in kind). */
export function podsOf(obj: Obj): ExtractedPod[] {
  if (!isCustomApiVersion(String(obj.apiVersion ?? ''))) return [];
  const out: ExtractedPod[] = [];
  const visit = (node: unknown, path: string, labels: Record<string, string>): void => {
    if (Array.isArray(node)) {
      node.forEach((n, i) => visit(n, `${path}[${i}]`, labels));
      return;
    }
    if (!isObj(node)) return;
    const here = isObj(node.metadata) && isObj(node.metadata.labels) ? node.metadata.labels : labels;
    if (isObj(node.model) && (node.model.modelFormat !== undefined || node.model.storageUri !== undefined)) {
      const { modelFormat: _f, storageUri: _u, runtime: _r, protocolVersion: _p, ...container } = node.model;
      out.push({
        path,
        labels: here,
        spec: { ...pick(node, POD_SPEC_FIELDS), containers: [{ name: 'kserve-container', ...container }, ...objList(node.containers)] },
        ...(container.image === undefined ? { imageFromRuntime: true } : {}),
      });
      return;
    }
    if (Array.isArray(node.containers) && node.containers.length > 0 && node.containers.every(isObj)) {
      out.push({ path, labels: here, spec: pick(node, POD_SPEC_FIELDS) });
      return;
    }
    if (isObj(node.driver) && isObj(node.executor)) {
      out.push({
        path: `${path}.driver`,
        labels: { ...here, ...(isObj(node.driver.labels) ? node.driver.labels : {}), 'spark-role': 'driver' },
        spec: sparkPod(node, node.driver, 'driver'),
      });
      out.push({
        path: `${path}.executor`,
        labels: { ...here, ...(isObj(node.executor.labels) ? node.executor.labels : {}), 'spark-role': 'executor' },
        spec: sparkPod(node, node.executor, 'executor'),
      });
      return;
    }
    if (Array.isArray(node.templates)) {
      const before = out.length;
      objList(node.templates).forEach((t, i) => {
        const pod = argoPod(node, t);
        const tl = isObj(t.metadata) && isObj(t.metadata.labels) ? t.metadata.labels : here;
        if (pod) out.push({ path: `${path}.templates[${i}]`, labels: tl, spec: pod });
        // A resource template creates another object (e.g. a SparkApplication) from its manifest text.
        if (isObj(t.resource) && typeof t.resource.manifest === 'string' && t.resource.action !== 'delete') {
          let inner: unknown;
          try {
            inner = YAML.parse(t.resource.manifest);
          } catch {
            inner = undefined;
          }
          if (isObj(inner)) {
            const innerLabels = isObj(inner.metadata) && isObj(inner.metadata.labels) ? inner.metadata.labels : {};
            for (const p of podsOf(inner)) {
              out.push({
                ...p,
                path: `${path}.templates[${i}].resource.manifest(${String(inner.kind)}).${p.path}`,
                labels: { ...innerLabels, ...p.labels },
              });
            }
          }
        }
      });
      if (out.length > before) return;
    }
    for (const [k, v] of Object.entries(node)) {
      if (k !== 'metadata' && k !== 'status') visit(v, path ? `${path}.${k}` : k, here);
    }
  };
  visit(obj, '', {});
  return out;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Pod manifests for every custom resource in `objs`, sorted by source and path. */
export function extractPods(objs: readonly Obj[]): Obj[] {
  const pods: Obj[] = [];
  for (const obj of objs) {
    const md = isObj(obj.metadata) ? obj.metadata : {};
    const ns = typeof md.namespace === 'string' ? md.namespace : '';
    podsOf(obj).forEach((p, i) => {
      const source = `${String(obj.kind)}/${ns || '-'}/${String(md.name)}`;
      const name = `${slug(String(obj.kind))}-${slug(String(md.name))}-${i}`.slice(0, 253);
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          ...(ns ? { namespace: ns } : {}),
          labels: p.labels,
          annotations: {
            'modelplane.dev/policy-source': source,
            'modelplane.dev/policy-path': p.path,
            ...(p.imageFromRuntime ? { 'modelplane.dev/policy-image-from-runtime': 'true' } : {}),
          },
        },
        spec: p.spec,
      });
    });
  }
  return pods;
}

function main(inDir: string, outDir: string): void {
  const objs: Obj[] = [];
  for (const f of readdirSync(inDir)
    .filter((x) => /\.ya?ml$/.test(x))
    .sort()) {
    for (const d of YAML.parseAllDocuments(readFileSync(join(inDir, f), 'utf8'))) {
      const o = d.toJS() as unknown;
      if (isObj(o)) objs.push(o);
    }
  }
  const pods = extractPods(objs);
  const sources = new Set(pods.map((p) => p.metadata.annotations['modelplane.dev/policy-source']));
  mkdirSync(outDir, { recursive: true });
  if (pods.length > 0) {
    writeFileSync(join(outDir, 'custom-resource-pods.yaml'), pods.map((p) => YAML.stringify(p)).join('---\n'));
  }
  console.log(
    `crpods: ${pods.length} pod(s) from ${sources.size} custom resource(s) of ${objs.filter((o) => isCustomApiVersion(String(o.apiVersion ?? ''))).length}`,
  );
}

if (require.main === module) {
  const [inDir, outDir] = process.argv.slice(2);
  if (!inDir || !outDir) {
    console.error('usage: crpods.ts IN_DIR OUT_DIR');
    process.exitCode = 2;
  } else {
    main(inDir, outDir);
  }
}
