/**
 * Policy checks over any synthesized output, shared by every test tier.
 *
 * {@link podTemplates} finds every pod template in a list of Kubernetes objects, whatever kind holds
 * it: core workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, PodTemplate)
 * and pod specs nested anywhere in custom resources (KServe InferenceService predictors, Seldon
 * `componentSpecs`, KEDA ScaledJob templates, ...), plus the custom shapes that describe a pod without
 * a `containers` list: Spark Operator driver/executor specs and Argo Workflows templates.
 *
 * {@link restrictedViolations} checks each template against Pod Security "restricted" plus
 * modelplane's own bar: requests and limits, pinned images, read-only root filesystem.
 * {@link POLICY_ALLOWLIST} is the single place where exceptions live, each with its reason.
 */

type Obj = Record<string, any>;

/** A container-like entry of a pod template. */
export interface ContainerView {
  /** Container name (or the role, e.g. `driver`, for Spark). */
  readonly name: string;
  /** `container`, `init`, `sidecar` or `ephemeral`. */
  readonly role: string;
  /** Image reference, if the template sets one. */
  readonly image?: string;
  /** Container securityContext. */
  readonly securityContext?: Obj;
  /** Whether requests and limits for cpu and memory are set (however the shape spells them). */
  readonly hasRequestsAndLimits: boolean;
  /** What is missing of requests/limits, for messages. */
  readonly resourcesDetail: string;
  /** Declared ports. */
  readonly ports: readonly Obj[];
}

/** One pod template found in the output, normalized. */
export interface PodTemplateView {
  /** The top-level object holding it: `Kind/namespace/name`. */
  readonly owner: string;
  /** Kind of the top-level object. */
  readonly kind: string;
  /** `metadata.name` of the top-level object. */
  readonly name: string;
  /** `metadata.namespace` of the top-level object. */
  readonly namespace?: string;
  /** JSON path of the template inside the object, e.g. `spec.template.spec`. */
  readonly path: string;
  /** The shape it was recognized as: `pod`, `kserve-predictor`, `spark-driver`, `spark-executor`, `argo-template`. */
  readonly shape: string;
  /** Pod-level securityContext. */
  readonly podSecurityContext?: Obj;
  /** The pod's own fields (hostNetwork, hostPID, hostIPC, volumes, automountServiceAccountToken). */
  readonly pod: Obj;
  /** Volumes. */
  readonly volumes: readonly Obj[];
  /** Containers of every role. */
  readonly containers: readonly ContainerView[];
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objList = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

function k8sResources(c: Obj): { ok: boolean; detail: string } {
  const missing: string[] = [];
  for (const kind of ['requests', 'limits']) {
    for (const res of ['cpu', 'memory']) {
      const val = c.resources?.[kind]?.[res];
      if (val === undefined || val === null || val === '') missing.push(`${kind}.${res}`);
    }
  }
  return { ok: missing.length === 0, detail: missing.length ? `missing ${missing.join(', ')}` : '' };
}

function containerView(c: Obj, role: string, fallbackImage?: string): ContainerView {
  const r = k8sResources(c);
  return {
    name: String(c.name ?? role),
    role,
    image: typeof c.image === 'string' ? c.image : fallbackImage,
    securityContext: isObj(c.securityContext) ? c.securityContext : undefined,
    hasRequestsAndLimits: r.ok,
    resourcesDetail: r.detail,
    ports: objList(c.ports),
  };
}

/** A plain Kubernetes PodSpec (anything with a `containers` list of objects). */
function isPodSpec(node: Obj): boolean {
  return Array.isArray(node.containers) && node.containers.length > 0 && node.containers.every((c: unknown) => isObj(c));
}

function podSpecView(
  node: Obj,
  extra: ContainerView[] = [],
): Pick<PodTemplateView, 'podSecurityContext' | 'pod' | 'volumes' | 'containers'> {
  return {
    podSecurityContext: isObj(node.securityContext) ? node.securityContext : undefined,
    pod: node,
    volumes: objList(node.volumes),
    containers: [
      ...extra,
      ...objList(node.containers).map((c) => containerView(c, 'container')),
      ...objList(node.initContainers).map((c) => containerView(c, 'init')),
      ...objList(node.ephemeralContainers).map((c) => containerView(c, 'ephemeral')),
    ],
  };
}

/**
 * Spark Operator `driver`/`executor`: resources are `cores`/`coreLimit`/`memory`; the pod context is
 * `podSecurityContext`, or comes from the role's pod `template` (Spark merges the template's pod
 * spec and its Spark container, named by `spark.kubernetes.<role>.podTemplateContainerName` or the
 * first one, with what the operator sets; fields set on the role win).
 */
function sparkRoleView(
  app: Obj,
  role: Obj,
  roleName: string,
): Pick<PodTemplateView, 'podSecurityContext' | 'pod' | 'volumes' | 'containers'> {
  const missing = ['cores', 'memory', 'coreLimit'].filter((k) => role[k] === undefined || role[k] === null || role[k] === '');
  const tspec: Obj = isObj(role.template) && isObj(role.template.spec) ? role.template.spec : {};
  const tContainers = objList(tspec.containers);
  const wanted = isObj(app.sparkConf) ? app.sparkConf[`spark.kubernetes.${roleName}.podTemplateContainerName`] : undefined;
  const tMain = tContainers.find((c) => c.name === wanted) ?? tContainers[0] ?? {};
  const main: ContainerView = {
    name: roleName,
    role: 'container',
    image:
      typeof role.image === 'string'
        ? role.image
        : typeof app.image === 'string'
          ? app.image
          : typeof tMain.image === 'string'
            ? tMain.image
            : undefined,
    securityContext: isObj(role.securityContext) ? role.securityContext : isObj(tMain.securityContext) ? tMain.securityContext : undefined,
    hasRequestsAndLimits: missing.length === 0,
    resourcesDetail: missing.length ? `missing ${missing.join(', ')} (the operator derives requests and limits from them)` : '',
    ports: [...objList(role.ports), ...objList(tMain.ports)],
  };
  const mountedNames = new Set([...objList(role.volumeMounts), ...objList(tMain.volumeMounts)].map((m) => m.name));
  return {
    podSecurityContext: isObj(role.podSecurityContext)
      ? role.podSecurityContext
      : isObj(tspec.securityContext)
        ? tspec.securityContext
        : undefined,
    pod: {
      hostNetwork: role.hostNetwork ?? tspec.hostNetwork,
      hostPID: tspec.hostPID,
      hostIPC: tspec.hostIPC,
      automountServiceAccountToken: role.automountServiceAccountToken ?? tspec.automountServiceAccountToken,
    },
    volumes: [...objList(app.volumes).filter((v) => mountedNames.has(v.name)), ...objList(tspec.volumes)],
    containers: [
      main,
      ...tContainers.filter((c) => c !== tMain).map((c) => containerView(c, 'sidecar')),
      ...objList(tspec.initContainers).map((c) => containerView(c, 'init')),
      ...objList(role.sidecars).map((c) => containerView(c, 'sidecar')),
      ...objList(role.initContainers).map((c) => containerView(c, 'init')),
    ],
  };
}

/** An Argo Workflows template that runs a pod (container, script or containerSet). */
function argoTemplateView(spec: Obj, t: Obj): Pick<PodTemplateView, 'podSecurityContext' | 'pod' | 'volumes' | 'containers'> | undefined {
  const mains: ContainerView[] = [];
  if (isObj(t.container)) mains.push(containerView({ name: 'main', ...t.container }, 'container'));
  if (isObj(t.script)) mains.push(containerView({ name: 'main', ...t.script }, 'container'));
  if (isObj(t.containerSet)) mains.push(...objList(t.containerSet.containers).map((c) => containerView(c, 'container')));
  if (mains.length === 0) return undefined;
  const podCtx = isObj(t.securityContext) ? t.securityContext : isObj(spec.securityContext) ? spec.securityContext : undefined;
  return {
    podSecurityContext: podCtx,
    pod: {
      hostNetwork: t.hostNetwork ?? spec.hostNetwork,
      automountServiceAccountToken: t.automountServiceAccountToken ?? spec.automountServiceAccountToken,
    },
    volumes: [...objList(spec.volumes), ...objList(t.volumes)],
    containers: [
      ...mains,
      ...objList(t.initContainers).map((c) => containerView(c, 'init')),
      ...objList(t.sidecars).map((c) => containerView(c, 'sidecar')),
    ],
  };
}

/** Every pod template in `objs`, found by walking each object's whole tree. */
export function podTemplates(objs: readonly Record<string, unknown>[]): PodTemplateView[] {
  const out: PodTemplateView[] = [];
  for (const obj of objs) {
    if (!isObj(obj)) continue;
    const md = isObj(obj.metadata) ? obj.metadata : {};
    const base = {
      kind: String(obj.kind),
      name: String(md.name),
      namespace: typeof md.namespace === 'string' ? md.namespace : undefined,
      owner: `${String(obj.kind)}/${md.namespace ? `${md.namespace}/` : ''}${String(md.name)}`,
    };
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => visit(n, `${path}[${i}]`));
        return;
      }
      if (!isObj(node)) return;
      // KServe predictor/transformer/explainer with a `model` container (plus optional extra containers).
      if (isObj(node.model) && (node.model.modelFormat !== undefined || node.model.storageUri !== undefined)) {
        out.push({
          ...base,
          path,
          shape: 'kserve-predictor',
          ...podSpecView(node, [containerView({ name: 'kserve-container', ...node.model }, 'container')]),
        });
        return;
      }
      if (isPodSpec(node)) {
        out.push({ ...base, path, shape: 'pod', ...podSpecView(node) });
        return;
      }
      // Spark Operator: SparkApplication.spec, ScheduledSparkApplication.spec.template.
      if (isObj(node.driver) && isObj(node.executor)) {
        out.push({ ...base, path: `${path}.driver`, shape: 'spark-driver', ...sparkRoleView(node, node.driver, 'driver') });
        out.push({ ...base, path: `${path}.executor`, shape: 'spark-executor', ...sparkRoleView(node, node.executor, 'executor') });
        return;
      }
      // Argo Workflows: a workflow spec (Workflow, WorkflowTemplate, CronWorkflow.spec.workflowSpec).
      if (
        Array.isArray(node.templates) &&
        node.templates.some(
          (t: unknown) => isObj(t) && ('container' in t || 'script' in t || 'dag' in t || 'steps' in t || 'containerSet' in t),
        )
      ) {
        objList(node.templates).forEach((t, i) => {
          const view = argoTemplateView(node, t);
          if (view) out.push({ ...base, path: `${path}.templates[${i}](${String(t.name)})`, shape: 'argo-template', ...view });
        });
        return;
      }
      for (const [k, v] of Object.entries(node)) visit(v, path ? `${path}.${k}` : k);
    };
    visit(obj, '');
  }
  return out;
}

/** The rules {@link restrictedViolations} applies. */
export type PolicyRule =
  | 'host-namespaces'
  | 'host-path'
  | 'volume-types'
  | 'host-ports'
  | 'privileged'
  | 'run-as-non-root'
  | 'run-as-user-not-root'
  | 'allow-privilege-escalation'
  | 'capabilities-drop-all'
  | 'capabilities-add'
  | 'seccomp-runtime-default'
  | 'read-only-root-fs'
  | 'requests-and-limits'
  | 'pinned-image';

/** A broken rule. */
export interface Violation {
  /** Where: owner, template path and container. */
  readonly where: string;
  /** The rule. */
  readonly rule: PolicyRule;
  /** What is wrong. */
  readonly detail: string;
}

/** A documented exception: templates it matches are exempt from the listed rules only. */
export interface PolicyException {
  /** Which templates. */
  readonly matches: (t: PodTemplateView) => boolean;
  /** Rules waived for them; every other rule still applies. */
  readonly rules: readonly PolicyRule[];
  /** Why. */
  readonly reason: string;
}

/**
 * The ONLY exceptions to the restricted policy in modelplane's output.
 */
export const POLICY_ALLOWLIST: readonly PolicyException[] = [
  {
    matches: (t) => t.kind === 'DaemonSet' && /^nvidia-device-plugin-/.test(t.name) && t.namespace === 'kube-system',
    rules: ['host-path', 'volume-types', 'run-as-non-root'],
    reason:
      'The NVIDIA device plugin registers with the kubelet through a Unix socket in the host directory ' +
      '/var/lib/kubelet/device-plugins (hostPath), which is owned by root, so it runs as root. It still drops ALL ' +
      'capabilities, forbids privilege escalation, uses RuntimeDefault seccomp and a read-only root filesystem, ' +
      'and runs in kube-system, never in a team or platform namespace.',
  },
];

const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

/** True when an image names a tag other than `latest`, or a digest. */
export function isPinnedImage(image: string | undefined): boolean {
  if (!image) return false;
  if (image.includes('@sha256:')) return true;
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon >= 0 && last.slice(colon + 1) !== '' && last.slice(colon + 1) !== 'latest';
}

/** Rule violations of one template, before the allowlist. */
export function templateViolations(t: PodTemplateView): Violation[] {
  const out: Violation[] = [];
  const at = (c?: ContainerView) => `${t.owner} ${t.path}${c ? ` container "${c.name}" (${c.role})` : ''}`;
  const add = (rule: PolicyRule, detail: string, c?: ContainerView) => out.push({ where: at(c), rule, detail });
  const pod = t.pod;
  const psc = t.podSecurityContext ?? {};
  for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[f] === true) add('host-namespaces', `${f} is true`);
  for (const vol of t.volumes) {
    if (vol.hostPath !== undefined) add('host-path', `volume "${vol.name}" is a hostPath (${JSON.stringify(vol.hostPath)})`);
    const types = Object.keys(vol).filter((k) => k !== 'name');
    const bad = types.filter((k) => !RESTRICTED_VOLUME_TYPES.has(k));
    if (bad.length > 0) add('volume-types', `volume "${vol.name}" has type ${bad.join(', ')}, not allowed under restricted`);
  }
  if (t.containers.length === 0) add('requests-and-limits', 'template has no containers');
  const podNonRoot = psc.runAsNonRoot === true;
  const podSeccomp = psc.seccompProfile?.type;
  if (psc.runAsUser === 0) add('run-as-user-not-root', 'pod runAsUser is 0');
  for (const c of t.containers) {
    const sc = c.securityContext ?? {};
    const nonRoot = sc.runAsNonRoot ?? (podNonRoot ? true : undefined);
    if (nonRoot !== true) add('run-as-non-root', 'runAsNonRoot is not true on the container or the pod', c);
    if (sc.runAsUser === 0) add('run-as-user-not-root', 'runAsUser is 0', c);
    if (sc.privileged === true) add('privileged', 'privileged is true', c);
    if (sc.allowPrivilegeEscalation !== false)
      add('allow-privilege-escalation', `allowPrivilegeEscalation is ${JSON.stringify(sc.allowPrivilegeEscalation)}, must be false`, c);
    const drop: unknown[] = Array.isArray(sc.capabilities?.drop) ? sc.capabilities.drop : [];
    if (!drop.includes('ALL')) add('capabilities-drop-all', `capabilities.drop is ${JSON.stringify(drop)}, must include ALL`, c);
    const addCaps: unknown[] = Array.isArray(sc.capabilities?.add) ? sc.capabilities.add : [];
    if (addCaps.some((x) => x !== 'NET_BIND_SERVICE')) add('capabilities-add', `capabilities.add is ${JSON.stringify(addCaps)}`, c);
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault')
      add('seccomp-runtime-default', `seccompProfile.type is ${JSON.stringify(seccomp)}, must be RuntimeDefault`, c);
    if (sc.readOnlyRootFilesystem !== true) add('read-only-root-fs', 'readOnlyRootFilesystem is not true', c);
    if (!c.hasRequestsAndLimits) add('requests-and-limits', c.resourcesDetail, c);
    if (!isPinnedImage(c.image)) add('pinned-image', `image ${JSON.stringify(c.image)} is untagged, uses latest, or is missing`, c);
    for (const p of c.ports) if (p.hostPort !== undefined && p.hostPort !== 0) add('host-ports', `hostPort ${String(p.hostPort)}`, c);
  }
  return out;
}

/** Violations of every template in `objs`, after the allowlist. */
export function restrictedViolations(
  objs: readonly Record<string, unknown>[],
  allowlist: readonly PolicyException[] = POLICY_ALLOWLIST,
): Violation[] {
  return podTemplates(objs).flatMap((t) => {
    const waived = new Set(allowlist.filter((e) => e.matches(t)).flatMap((e) => e.rules));
    return templateViolations(t).filter((v) => !waived.has(v.rule));
  });
}

/** Writable paths: every container with a read-only root filesystem mounts at least one writable volume (e.g. /tmp). */
export function missingScratchMounts(objs: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const t of podTemplates(objs)) {
    if (t.shape !== 'pod') continue;
    const writable = new Set(
      t.volumes
        .filter(
          (v) => v.emptyDir !== undefined || v.persistentVolumeClaim !== undefined || v.ephemeral !== undefined || v.hostPath !== undefined,
        )
        .map((v) => v.name),
    );
    for (const c of [...objList(t.pod.containers), ...objList(t.pod.initContainers)]) {
      const mounts = objList(c.volumeMounts).filter((m) => writable.has(m.name) && m.readOnly !== true);
      if (c.securityContext?.readOnlyRootFilesystem === true && mounts.length === 0) out.push(`${t.owner} container "${String(c.name)}"`);
    }
  }
  return out;
}
