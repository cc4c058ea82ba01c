/**
 * Objects the output relies on but does not write as manifests: what a construct creates inside the
 * cluster at run time (a Job that makes a Secret, an operator that makes its ServiceAccount), and what
 * the platform file declares as an external prerequisite. The synth-time reference check reads these
 * so that a pod's reference to such an object is not reported as dangling.
 */
import type { IConstruct } from 'constructs';

/** One Kubernetes object by kind, namespace and name. */
export interface ObjectRef {
  /** The object's kind, e.g. `Secret`, `ConfigMap`, `ServiceAccount`, `Namespace`. */
  readonly kind: string;
  /** Its namespace; absent for cluster-scoped kinds (Namespace, PriorityClass, StorageClass). @default - cluster-scoped */
  readonly namespace?: string;
  /** Its name. */
  readonly name: string;
}

/** An object created in the cluster by something other than a manifest of the output. */
export interface ProvidedObject extends ObjectRef {
  /** Who creates it, for messages and the prerequisites list, e.g. `the modelplane-secret-bootstrap Job`. */
  readonly providedBy: string;
}

/**
 * A construct that creates objects in the cluster at run time (not as manifests of the output).
 * Constructs are found by this interface, never by class name: see {@link isObjectProvider}.
 */
export interface IObjectProvider {
  /** The objects this construct makes exist in the cluster without writing them as manifests. */
  providedObjects(): readonly ProvidedObject[];
}

/** True when `c` implements {@link IObjectProvider}. */
export function isObjectProvider(c: IConstruct | object): c is IConstruct & IObjectProvider {
  return typeof (c as Partial<IObjectProvider>).providedObjects === 'function';
}

/** A stable key for an object reference: `Kind/namespace/name`, or `Kind//name` when cluster-scoped. */
export function refKey(ref: ObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** An object the platform needs but neither it nor its operators create: the platform file's `prerequisites`. */
export interface Prerequisite extends ObjectRef {
  /** For a Secret or ConfigMap: the keys it must hold (for the printed command). @default [] */
  readonly keys?: readonly string[];
  /** What it is for, shown by `modelplane prerequisites`. @default - none */
  readonly description?: string;
}

/** One reference from an object of the output to another object. */
export interface ObjectReference {
  /** The object that holds the reference (for an embedded manifest: the object it is embedded in). */
  readonly from: ObjectRef;
  /** Where in `from` the reference is, e.g. `spec.template.spec.volumes[0].secret.secretName`. */
  readonly field: string;
  /** The object referred to. */
  readonly target: ObjectRef;
}

/** A manifest as JSON: at least `kind` and `metadata.name`. */
export type Manifest = Readonly<Record<string, unknown>>;

/** The kinds the reference check follows (an object of another kind is never reported missing). */
export const REFERENCED_KINDS = [
  'Secret',
  'ConfigMap',
  'ServiceAccount',
  'PersistentVolumeClaim',
  'PriorityClass',
  'Gateway',
  'GatewayClass',
  'StorageClass',
  'Namespace',
  'TriggerAuthentication',
  'CustomResourceDefinition',
] as const;

/** Kinds without a namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'PriorityClass',
  'StorageClass',
  'GatewayClass',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterWorkflowTemplate',
  'NodePool',
  'ClusterTriggerAuthentication',
  'ClusterServingRuntime',
  'ClusterStorageContainer',
]);

/** True for a kind without a namespace. */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/**
 * What every cluster has without anyone creating it: Kubernetes' own namespaces and PriorityClasses.
 * (Every namespace's `default` ServiceAccount is accepted by {@link isBuiltIn}.)
 */
export const BUILT_IN_OBJECTS: readonly ObjectRef[] = Object.freeze([
  ...['default', 'kube-system', 'kube-public', 'kube-node-lease'].map((name) => ({ kind: 'Namespace', name })),
  ...['system-cluster-critical', 'system-node-critical'].map((name) => ({ kind: 'PriorityClass', name })),
]);

const BUILT_IN_KEYS = new Set(BUILT_IN_OBJECTS.map(refKey));

/** True for an object every cluster has: {@link BUILT_IN_OBJECTS}, and the `default` ServiceAccount of each namespace. */
export function isBuiltIn(ref: ObjectRef): boolean {
  return BUILT_IN_KEYS.has(refKey(ref)) || (ref.kind === 'ServiceAccount' && ref.name === 'default');
}

/** API groups served by Kubernetes itself (an object of another group needs its CRD). */
const CORE_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'policy',
  'autoscaling',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'node.k8s.io',
]);

/** The name of the CRD serving `kind` of `apiVersion`, e.g. `inferenceservices.serving.kserve.io`; none for Kubernetes' own groups. */
export function crdNameOf(apiVersion: string, kind: string): string | undefined {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (CORE_GROUPS.has(group)) return undefined;
  const lower = kind.toLowerCase();
  const plural = /(s|x|ch|sh)$/.test(lower) ? `${lower}es` : /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : `${lower}s`;
  return `${plural}.${group}`;
}

type Json = Readonly<Record<string, unknown>>;

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): readonly unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' && x !== '' ? x : undefined);
/** A name resolved only at run time (an Argo or Airflow template) is not checked. */
const templated = (name: string) => name.includes('{{') || name.includes('{%');

/** Collects the references of one manifest. */
class Collector {
  readonly out: ObjectReference[] = [];
  constructor(
    private readonly from: ObjectRef,
    private readonly prefix: string,
  ) {}

  add(kind: string, namespace: string | undefined, name: unknown, field: string): void {
    const n = str(name);
    if (!n || templated(n)) return;
    const target: ObjectRef = isClusterScoped(kind) ? { kind, name: n } : { kind, namespace, name: n };
    this.out.push({ from: this.from, field: this.prefix + field, target });
  }
}

/**
 * Every reference `manifest` holds to a Secret, ConfigMap, ServiceAccount, PersistentVolumeClaim,
 * PriorityClass, StorageClass, Gateway (an HTTPRoute's parents), GatewayClass, TriggerAuthentication
 * (a ScaledObject's triggers), Namespace (its own, and a RoleBinding's subjects') or CustomResourceDefinition
 * (its own kind's, for a kind Kubernetes does not serve). Pod specs are found wherever they sit (workload
 * templates, SeldonDeployment predictors, Spark driver/executor templates); SparkApplication
 * driver/executor fields, InferenceService predictors, Argo templates and KEDA's secretTargetRefs are
 * read by kind; manifests embedded as text (an Argo resource template's `manifest`, a ConfigMap's JSON
 * values such as the SparkApplication templates DAGs submit) are read as objects of their own, reported
 * against the object that holds them. References marked `optional: true` and names with template
 * syntax (`{{ }}`, resolved at run time) are left out. Pure.
 */
export function objectReferences(manifest: Manifest, within?: { from: ObjectRef; field: string }): ObjectReference[] {
  const kind = str(manifest.kind) ?? '';
  const meta = isObj(manifest.metadata) ? manifest.metadata : {};
  const own: ObjectRef = { kind, namespace: str(meta.namespace), name: str(meta.name) ?? '' };
  const ns = own.namespace ?? within?.from.namespace;
  const c = new Collector(within?.from ?? own, within ? `${within.field} → ` : '');
  const apiVersion = str(manifest.apiVersion) ?? '';
  const crd = crdNameOf(apiVersion, kind);
  if (crd) c.add('CustomResourceDefinition', undefined, crd, 'apiVersion');
  if (!within && own.namespace && !isClusterScoped(kind)) c.add('Namespace', undefined, own.namespace, 'metadata.namespace');
  const spec = isObj(manifest.spec) ? manifest.spec : {};
  byKind(c, kind, spec, ns, manifest);
  findPodSpecs(c, manifest, '', ns);
  const embedded = embeddedManifests(kind, manifest);
  const nested = embedded.flatMap((e) =>
    objectReferences(e.manifest, { from: within?.from ?? { ...own, namespace: ns }, field: c_prefix(within) + e.field }),
  );
  return [...c.out, ...nested];
}

const c_prefix = (within?: { field: string }) => (within ? `${within.field} → ` : '');

/**
 * The references of a Helm release's values that are pod-spec fields at the top level or anywhere below
 * (`volumes`, `env`, `envFrom`, `serviceAccountName`, pod specs): e.g. the DAG ConfigMaps the platform's
 * Airflow values mount. Reported against `HelmRelease <namespace>/<release>` at `values.<path>`.
 */
export function helmValuesReferences(
  release: { namespace: string; name: string },
  values: Readonly<Record<string, unknown>>,
): ObjectReference[] {
  const c = new Collector({ kind: 'HelmRelease', namespace: release.namespace, name: release.name }, 'values.');
  volumeRefs(c, values.volumes, 'volumes', release.namespace);
  containerRefs(c, values, '', release.namespace);
  findPodSpecs(c, values, '', release.namespace);
  return c.out.map((r) => ({ ...r, field: r.field.replace(/^values\.\./, 'values.') }));
}

/** The references specific to a kind (outside pod specs). */
function byKind(c: Collector, kind: string, spec: Json, ns: string | undefined, manifest: Manifest): void {
  switch (kind) {
    case 'SparkApplication':
      sparkSpec(c, spec, 'spec', ns);
      break;
    case 'ScheduledSparkApplication':
      if (isObj(spec.template)) sparkSpec(c, spec.template, 'spec.template', ns);
      break;
    case 'InferenceService':
      for (const part of ['predictor', 'transformer', 'explainer'])
        if (isObj(spec[part])) podSpecRefs(c, spec[part] as Json, `spec.${part}`, ns, ['model']);
      break;
    case 'Workflow':
    case 'WorkflowTemplate':
      argoSpec(c, spec, 'spec', ns);
      break;
    case 'CronWorkflow':
      if (isObj(spec.workflowSpec)) argoSpec(c, spec.workflowSpec, 'spec.workflowSpec', ns);
      break;
    default:
      linkRefs(c, kind, spec, ns, manifest);
  }
}

/** The references of the kinds that link objects: KEDA's, the Gateway API's, storage and RBAC. */
function linkRefs(c: Collector, kind: string, spec: Json, ns: string | undefined, manifest: Manifest): void {
  switch (kind) {
    case 'TriggerAuthentication':
      list(spec.secretTargetRef).forEach((r, i) => isObj(r) && c.add('Secret', ns, r.name, `spec.secretTargetRef[${i}].name`));
      list(spec.configMapTargetRef).forEach((r, i) => isObj(r) && c.add('ConfigMap', ns, r.name, `spec.configMapTargetRef[${i}].name`));
      break;
    case 'ScaledObject':
    case 'ScaledJob':
      list(spec.triggers).forEach((t, i) => {
        const a = isObj(t) && isObj(t.authenticationRef) ? t.authenticationRef : undefined;
        if (a && (a.kind ?? 'TriggerAuthentication') === 'TriggerAuthentication')
          c.add('TriggerAuthentication', ns, a.name, `spec.triggers[${i}].authenticationRef.name`);
      });
      break;
    case 'HTTPRoute':
    case 'GRPCRoute':
      list(spec.parentRefs).forEach((p, i) => {
        if (isObj(p) && (p.kind ?? 'Gateway') === 'Gateway') c.add('Gateway', str(p.namespace) ?? ns, p.name, `spec.parentRefs[${i}].name`);
      });
      break;
    case 'Gateway':
      c.add('GatewayClass', undefined, spec.gatewayClassName, 'spec.gatewayClassName');
      break;
    case 'PersistentVolumeClaim':
      c.add('StorageClass', undefined, spec.storageClassName, 'spec.storageClassName');
      break;
    case 'StatefulSet':
      list(spec.volumeClaimTemplates).forEach(
        (t, i) =>
          isObj(t) &&
          isObj(t.spec) &&
          c.add('StorageClass', undefined, t.spec.storageClassName, `spec.volumeClaimTemplates[${i}].spec.storageClassName`),
      );
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      list(manifest.subjects).forEach((s, i) => {
        if (!isObj(s) || s.kind !== 'ServiceAccount') return;
        const sns = str(s.namespace) ?? ns;
        c.add('ServiceAccount', sns, s.name, `subjects[${i}].name`);
        if (sns) c.add('Namespace', undefined, sns, `subjects[${i}].namespace`);
      });
      break;
    default:
  }
}

/** A SparkApplication's spec: its volumes, and its driver's and executor's ServiceAccount, env and mounted objects. */
function sparkSpec(c: Collector, s: Json, at: string, ns: string | undefined): void {
  volumeRefs(c, s.volumes, `${at}.volumes`, ns);
  list(s.imagePullSecrets).forEach((n, i) => c.add('Secret', ns, n, `${at}.imagePullSecrets[${i}]`));
  for (const role of ['driver', 'executor']) {
    const r = s[role];
    if (!isObj(r)) continue;
    const f = `${at}.${role}`;
    c.add('ServiceAccount', ns, r.serviceAccount, `${f}.serviceAccount`);
    c.add('PriorityClass', undefined, r.priorityClassName, `${f}.priorityClassName`);
    containerRefs(c, r, f, ns);
    list(r.secrets).forEach((x, i) => isObj(x) && c.add('Secret', ns, x.name, `${f}.secrets[${i}].name`));
    list(r.configMaps).forEach((x, i) => isObj(x) && c.add('ConfigMap', ns, x.name, `${f}.configMaps[${i}].name`));
    if (isObj(r.envSecretKeyRefs))
      for (const [k, v] of Object.entries(r.envSecretKeyRefs)) if (isObj(v)) c.add('Secret', ns, v.name, `${f}.envSecretKeyRefs.${k}.name`);
  }
}

/** An Argo workflow spec: its ServiceAccount, volumes and pull secrets, and each template's containers. */
function argoSpec(c: Collector, s: Json, at: string, ns: string | undefined): void {
  c.add('ServiceAccount', ns, s.serviceAccountName, `${at}.serviceAccountName`);
  c.add('PriorityClass', undefined, s.podPriorityClassName, `${at}.podPriorityClassName`);
  volumeRefs(c, s.volumes, `${at}.volumes`, ns);
  list(s.imagePullSecrets).forEach((x, i) => isObj(x) && c.add('Secret', ns, x.name, `${at}.imagePullSecrets[${i}].name`));
  list(s.templates).forEach((t, i) => {
    if (!isObj(t)) return;
    const f = `${at}.templates[${i}]`;
    c.add('ServiceAccount', ns, t.serviceAccountName, `${f}.serviceAccountName`);
    c.add('PriorityClass', undefined, t.priorityClassName, `${f}.priorityClassName`);
    volumeRefs(c, t.volumes, `${f}.volumes`, ns);
    for (const k of ['container', 'script']) if (isObj(t[k])) containerRefs(c, t[k] as Json, `${f}.${k}`, ns);
    for (const k of ['initContainers', 'sidecars']) list(t[k]).forEach((x, j) => isObj(x) && containerRefs(c, x, `${f}.${k}[${j}]`, ns));
  });
}

/** Finds pod specs (objects with a `containers` list) anywhere in `node`. */
function findPodSpecs(c: Collector, node: unknown, at: string, ns: string | undefined): void {
  if (Array.isArray(node)) {
    node.forEach((x, i) => findPodSpecs(c, x, `${at}[${i}]`, ns));
    return;
  }
  if (!isObj(node)) return;
  if (Array.isArray(node.containers)) podSpecRefs(c, node, at, ns, []);
  for (const [k, v] of Object.entries(node))
    if (k !== 'containers' && (isObj(v) || Array.isArray(v))) findPodSpecs(c, v, at ? `${at}.${k}` : k, ns);
}

/** A pod spec's references: ServiceAccount, PriorityClass, pull secrets, volumes and every container's (and `extra` container fields'). */
function podSpecRefs(c: Collector, p: Json, at: string, ns: string | undefined, extra: readonly string[]): void {
  c.add('ServiceAccount', ns, p.serviceAccountName ?? p.serviceAccount, `${at}.serviceAccountName`);
  c.add('PriorityClass', undefined, p.priorityClassName, `${at}.priorityClassName`);
  list(p.imagePullSecrets).forEach((x, i) => isObj(x) && c.add('Secret', ns, x.name, `${at}.imagePullSecrets[${i}].name`));
  volumeRefs(c, p.volumes, `${at}.volumes`, ns);
  for (const k of ['containers', 'initContainers', 'ephemeralContainers'])
    list(p[k]).forEach((x, i) => isObj(x) && containerRefs(c, x, `${at}.${k}[${i}]`, ns));
  for (const k of extra) if (isObj(p[k])) containerRefs(c, p[k] as Json, `${at}.${k}`, ns);
}

/** A container's env and envFrom references. */
function containerRefs(c: Collector, x: Json, at: string, ns: string | undefined): void {
  list(x.env).forEach((e, i) => {
    const from = isObj(e) && isObj(e.valueFrom) ? e.valueFrom : undefined;
    if (!from) return;
    for (const [key, kind] of [
      ['secretKeyRef', 'Secret'],
      ['configMapKeyRef', 'ConfigMap'],
    ] as const) {
      const r = from[key];
      if (isObj(r) && r.optional !== true) c.add(kind, ns, r.name, `${at}.env[${i}].valueFrom.${key}.name`);
    }
  });
  list(x.envFrom).forEach((e, i) => {
    if (!isObj(e)) return;
    for (const [key, kind] of [
      ['secretRef', 'Secret'],
      ['configMapRef', 'ConfigMap'],
    ] as const) {
      const r = e[key];
      if (isObj(r) && r.optional !== true) c.add(kind, ns, r.name, `${at}.envFrom[${i}].${key}.name`);
    }
  });
}

/** Volumes' Secrets, ConfigMaps (projected too), PersistentVolumeClaims and ephemeral claims' StorageClasses. */
function volumeRefs(c: Collector, volumes: unknown, at: string, ns: string | undefined): void {
  list(volumes).forEach((v, i) => {
    if (!isObj(v)) return;
    const f = `${at}[${i}]`;
    if (isObj(v.secret) && v.secret.optional !== true) c.add('Secret', ns, v.secret.secretName, `${f}.secret.secretName`);
    if (isObj(v.configMap) && v.configMap.optional !== true) c.add('ConfigMap', ns, v.configMap.name, `${f}.configMap.name`);
    if (isObj(v.persistentVolumeClaim))
      c.add('PersistentVolumeClaim', ns, v.persistentVolumeClaim.claimName, `${f}.persistentVolumeClaim.claimName`);
    const eph = isObj(v.ephemeral) && isObj(v.ephemeral.volumeClaimTemplate) ? v.ephemeral.volumeClaimTemplate : undefined;
    if (eph && isObj(eph.spec))
      c.add('StorageClass', undefined, eph.spec.storageClassName, `${f}.ephemeral.volumeClaimTemplate.spec.storageClassName`);
    const projected = isObj(v.projected) ? list(v.projected.sources) : [];
    projected.forEach((s, j) => {
      if (!isObj(s)) return;
      if (isObj(s.secret) && s.secret.optional !== true) c.add('Secret', ns, s.secret.name, `${f}.projected.sources[${j}].secret.name`);
      if (isObj(s.configMap) && s.configMap.optional !== true)
        c.add('ConfigMap', ns, s.configMap.name, `${f}.projected.sources[${j}].configMap.name`);
    });
  });
}

/** Manifests embedded as JSON text: Argo resource templates' `manifest`, and a ConfigMap's values that are Kubernetes objects. */
function embeddedManifests(kind: string, manifest: Manifest): { field: string; manifest: Manifest }[] {
  const out: { field: string; manifest: Manifest }[] = [];
  const parse = (text: unknown, field: string) => {
    if (typeof text !== 'string' || !text.trimStart().startsWith('{')) return;
    try {
      const m = JSON.parse(text) as unknown;
      if (isObj(m) && typeof m.kind === 'string' && isObj(m.metadata)) out.push({ field, manifest: m });
    } catch {
      // not JSON: a script or a template, not a manifest
    }
  };
  const spec = isObj(manifest.spec) ? manifest.spec : {};
  const argo = kind === 'CronWorkflow' ? (isObj(spec.workflowSpec) ? spec.workflowSpec : {}) : spec;
  const at = kind === 'CronWorkflow' ? 'spec.workflowSpec' : 'spec';
  if (['Workflow', 'WorkflowTemplate', 'CronWorkflow'].includes(kind))
    list(argo.templates).forEach(
      (t, i) => isObj(t) && isObj(t.resource) && parse(t.resource.manifest, `${at}.templates[${i}].resource.manifest`),
    );
  if (kind === 'ConfigMap' && isObj(manifest.data))
    for (const [k, v] of Object.entries(manifest.data)) parse(v, `data[${JSON.stringify(k)}]`);
  return out;
}

/** Where the objects the output refers to come from, besides the output itself. */
export interface ReferenceSources {
  /** Objects created in the cluster by constructs ({@link IObjectProvider}) and by the operators the platform installs. */
  readonly provided: readonly ProvidedObject[];
  /** The external prerequisites the platform declares. */
  readonly prerequisites: readonly ObjectRef[];
}

/**
 * The references of `manifests` to objects that nothing creates: not in `manifests`, not provided, not a
 * prerequisite, not built into every cluster. Sorted by referrer, field and target; pure and deterministic.
 */
export function danglingReferences(
  manifests: readonly Manifest[],
  sources: ReferenceSources,
  extra: readonly ObjectReference[] = [],
): ObjectReference[] {
  const known = new Set<string>([
    ...manifests.map((m) => {
      const meta = isObj(m.metadata) ? m.metadata : {};
      const kind = String(m.kind ?? '');
      return refKey({ kind, namespace: isClusterScoped(kind) ? undefined : str(meta.namespace), name: String(meta.name ?? '') });
    }),
    ...sources.provided.map(refKey),
    ...sources.prerequisites.map(refKey),
  ]);
  const seen = new Set<string>();
  const out: ObjectReference[] = [];
  for (const r of [...manifests.flatMap((m) => objectReferences(m)), ...extra]) {
    if (isBuiltIn(r.target) || known.has(refKey(r.target))) continue;
    const key = `${refKey(r.from)}|${r.field}|${refKey(r.target)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
  }
  return out.sort((a, b) => cmp(refKey(a.from), refKey(b.from)) || cmp(a.field, b.field) || cmp(refKey(a.target), refKey(b.target)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `Kind namespace/name`, or `Kind name` when cluster-scoped. */
export function describeRef(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** The platform-file entry that declares `ref` a prerequisite (YAML flow style, which is also a TypeScript object literal). */
export function prerequisiteEntry(ref: ObjectRef): string {
  return `{ kind: ${ref.kind}, ${ref.namespace ? `namespace: ${ref.namespace}, ` : ''}name: ${ref.name} }`;
}

/** The message of one dangling reference: referrer, field, missing object, and the fix. */
export function danglingMessage(r: ObjectReference): string {
  return (
    `${describeRef(r.from)}: \`${r.field}\` refers to ${describeRef(r.target)}, which nothing creates ` +
    `(not the output, no construct, no operator the platform installs, no declared prerequisite). ` +
    `Fix: create it in the output, enable the operator that creates it, or declare it under \`prerequisites\` in the platform file: ` +
    `prerequisites: [${prerequisiteEntry(r.target)}]`
  );
}

/** A shell word: bare when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[-A-Za-z0-9_./:=<>@%+,]+$/.test(s) && !/[<>]/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command that provides a prerequisite, with placeholders (`<KEY>`) where the operator puts the
 * values — never a value. Secrets and ConfigMaps get one `--from-literal` per key (or a `<key>` placeholder
 * when no key is known); kinds kubectl cannot create from flags are applied from the operator's own manifest.
 */
export function prerequisiteCommand(p: Prerequisite): string {
  const ns = p.namespace ? ` -n ${shellWord(p.namespace)}` : '';
  const name = shellWord(p.name);
  const literals = (keys: readonly string[]) =>
    keys.length > 0
      ? keys.map((k) => ` --from-literal=${shellWord(k)}=${shellWord(`<${k.toUpperCase()}>`)}`).join('')
      : ` --from-literal=${shellWord('<KEY>')}=${shellWord('<VALUE>')}`;
  switch (p.kind) {
    case 'Secret':
      return `kubectl create secret generic ${name}${ns}${literals(p.keys ?? [])}`;
    case 'ConfigMap':
      return `kubectl create configmap ${name}${ns}${literals(p.keys ?? [])}`;
    case 'ServiceAccount':
      return `kubectl create serviceaccount ${name}${ns}`;
    case 'Namespace':
      return `kubectl create namespace ${name}`;
    case 'PriorityClass':
      return `kubectl create priorityclass ${name} --value=<VALUE>`;
    default:
      return `kubectl apply --server-side -f <your ${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name} manifest>`;
  }
}
