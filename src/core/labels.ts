/** Standard labels on every object modelplane writes: `app.kubernetes.io/*` plus `modelplane.dev/*`. */

/** The value of `app.kubernetes.io/managed-by` and `app.kubernetes.io/part-of` on our objects. */
export const MANAGED_BY = 'modelplane';

/** The label keys modelplane itself reads and writes. */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  team: 'modelplane.dev/team',
  model: 'modelplane.dev/model',
  cascade: 'modelplane.dev/cascade',
  gpuPool: 'modelplane.dev/gpu-pool',
  platform: 'modelplane.dev/platform',
} as const;

/** What a workload is, for its labels. */
export interface LabelInfo {
  /** `app.kubernetes.io/name`: what the thing is, e.g. `mlflow`. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: which one, e.g. the model name. Defaults to `name`. */
  readonly instance?: string;
  /** `app.kubernetes.io/component`, e.g. `tracking-server`, `database`, `predictor`. */
  readonly component?: string;
  /** `app.kubernetes.io/version`, e.g. the image tag. */
  readonly version?: string;
  /** The owning team: `modelplane.dev/team`. */
  readonly team?: string;
  /** The model: `modelplane.dev/model`. */
  readonly model?: string;
}

/** All labels for an object. Deterministic: keys always in the same order. */
export function standardLabels(info: LabelInfo): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.name]: info.name,
    [LABELS.instance]: info.instance ?? info.name,
    [LABELS.partOf]: MANAGED_BY,
    [LABELS.managedBy]: MANAGED_BY,
  };
  if (info.component) labels[LABELS.component] = info.component;
  if (info.version) labels[LABELS.version] = sanitizeLabelValue(info.version);
  if (info.team) labels[LABELS.team] = info.team;
  if (info.model) labels[LABELS.model] = info.model;
  return labels;
}

/** The subset of labels used in selectors: stable across upgrades (no version). */
export function selectorLabels(info: LabelInfo): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.name]: info.name,
    [LABELS.instance]: info.instance ?? info.name,
  };
  if (info.component) labels[LABELS.component] = info.component;
  return labels;
}

/** Label values: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function sanitizeLabelValue(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
