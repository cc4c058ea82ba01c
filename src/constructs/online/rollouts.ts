/**
 * Rollouts between model versions: canary (a small traffic percentage on a new version), A/B (two
 * versions splitting traffic), shadow (a copy of the traffic, responses discarded). The same rules
 * hold on every backend and are checked at synth time, as Seldon's webhook checks them at apply
 * time: live traffic sums to 100, at most one shadow, a shadow is never the only variant.
 *
 * Seldon expresses the split natively (its predictors' `traffic`/`shadow`). The `deployment` backend and
 * KServe route it through a Gateway API HTTPRoute with weighted backendRefs (and, on `deployment`, a
 * RequestMirror filter) over the variants' Services: KServe v0.20.0's `spec.canary[]` in Standard mode
 * only sizes and labels the canaries and routes nothing to them. No Gateway API CRD binding is generated in
 * imports/, so the HTTPRoute is written as a plain ApiObject (gateway.networking.k8s.io/v1).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Validator } from '../../core/errors';
import { checkName } from '../../core/validate';
import { duplicates, isRecord } from '../../core/records';
import { checkKnownKeys } from './checks';
import type { ResolvedOnlineModel, ResolvedVariant } from './spec';

/** Gateway API group/version of HTTPRoute. */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/** A model version behind an online service. */
export interface OnlineVariant {
  /** Variant name, a DNS-1123 label (e.g. `stable`, `canary`, `b`). */
  readonly name: string;
  /** Model URI: `models:/name@alias`, `models:/name/3` or `s3://bucket/path/to/model`. */
  readonly model: string;
  /** Percentage of live traffic, 0-100. @default 100 when it is the only live variant */
  readonly traffic?: number;
  /** Mirror traffic to this variant and discard its responses. @default false */
  readonly shadow?: boolean;
}

const VARIANT_KEYS = ['name', 'model', 'traffic', 'shadow'];

/**
 * Checks variants (already known to be an array) and returns their live traffic split, or
 * undefined when the split cannot be computed. Model URIs are checked by the caller.
 */
export function checkVariants(v: Validator, field: string, variants: readonly OnlineVariant[]): number[] | undefined {
  if (!checkVariantShapes(v, field, variants)) return undefined;
  const shadows = variants.filter((x) => x.shadow === true);
  const live = variants.filter((x) => x.shadow !== true);
  let ok = true;
  for (const d of duplicates(variants.map((x) => x.name))) {
    v.fail(field, d, `names variant "${d}" twice`, 'give every variant a unique name');
    ok = false;
  }
  if (shadows.length > 1) {
    v.fail(
      field,
      shadows.map((x) => x.name),
      `has ${shadows.length} shadow variants; at most one is allowed`,
      'keep one variant with shadow: true',
    );
    ok = false;
  }
  if (live.length === 0) {
    v.fail(
      field,
      variants.map((x) => x.name),
      'has only a shadow variant; a shadow receives a copy of live traffic and needs a live variant beside it',
      'add a live variant (without shadow), e.g. the current model',
    );
    return undefined;
  }
  ok = checkShadowPlaces(v, field, variants) && ok;
  const split = liveSplit(v, field, variants, live);
  return ok ? split : undefined;
}

/** The list is not empty and every variant is an object of known keys with a name, a traffic percentage and a shadow flag of the right types. */
function checkVariantShapes(v: Validator, field: string, variants: readonly OnlineVariant[]): boolean {
  let ok = v.check(
    variants.length > 0,
    field,
    variants,
    'is empty',
    'give at least one variant, e.g. [{ name: "stable", model: "models:/fraud@champion" }]',
  );
  variants.forEach((x, i) => {
    ok = checkVariantShape(v, `${field}[${i}]`, x) && ok;
  });
  return ok;
}

function checkVariantShape(v: Validator, at: string, x: OnlineVariant): boolean {
  const isObject = v.check(
    isRecord(x),
    at,
    x,
    'must be an object { name, model, traffic?, shadow? }',
    'write e.g. { name: "canary", model: "models:/fraud/4", traffic: 10 }',
  );
  if (!isObject) return false;
  let ok = checkKnownKeys(v, at, x, VARIANT_KEYS, 'is not a variant option');
  ok = checkName(v, `${at}.name`, x.name, 20) && ok;
  if (x.traffic !== undefined) {
    const pct = Number.isInteger(x.traffic) && x.traffic >= 0 && x.traffic <= 100;
    ok = v.check(pct, `${at}.traffic`, x.traffic, 'must be a whole percentage from 0 to 100', 'write e.g. traffic: 10') && ok;
  }
  if (x.shadow !== undefined)
    ok =
      v.check(
        typeof x.shadow === 'boolean',
        `${at}.shadow`,
        x.shadow,
        'must be true or false',
        'write shadow: true for a mirrored variant',
      ) && ok;
  return ok;
}

/** The primary is live, and a shadow takes no live traffic (it gets a full copy). */
function checkShadowPlaces(v: Validator, field: string, variants: readonly OnlineVariant[]): boolean {
  let ok = true;
  if (variants[0].shadow === true) {
    v.fail(
      `${field}[0].shadow`,
      true,
      'the first variant is the primary and cannot be the shadow',
      'list the live primary first and the shadow after it',
    );
    ok = false;
  }
  variants.forEach((x) => {
    if (x.shadow !== true || x.traffic === undefined || x.traffic === 0) return;
    v.fail(
      `${field}[${variants.indexOf(x)}].traffic`,
      x.traffic,
      'is set on a shadow; a shadow takes no live traffic (it gets a full copy)',
      'remove traffic from the shadow variant',
    );
    ok = false;
  });
  return ok;
}

/** The live variants' traffic: 100 for a single live variant, otherwise every one given and summing to 100. */
function liveSplit(v: Validator, field: string, variants: readonly OnlineVariant[], live: readonly OnlineVariant[]): number[] | undefined {
  if (live.length === 1) {
    const t = live[0].traffic ?? 100;
    const at = `${field}[${variants.indexOf(live[0])}].traffic`;
    const full = v.check(t === 100, at, t, 'is the only live variant and must take 100% of the traffic', 'remove traffic or set it to 100');
    return full ? [100] : undefined;
  }
  const missing = live.filter((x) => x.traffic === undefined).map((x) => x.name);
  if (missing.length > 0) {
    v.fail(
      field,
      missing,
      'gives no traffic percentage for these live variants; with several live variants every one needs one',
      'set traffic on every live variant so they sum to 100, e.g. 90 and 10',
    );
    return undefined;
  }
  const split = live.map((x) => x.traffic as number);
  const sum = split.reduce((a, b) => a + b, 0);
  const whole = v.check(
    sum === 100,
    field,
    live.map((x) => `${x.name}=${x.traffic}`),
    `has live traffic summing to ${sum}, not 100`,
    "make the live variants' traffic add up to exactly 100",
  );
  return whole ? split : undefined;
}

/** The Services an HTTPRoute sends each variant's traffic to. */
export interface RouteBackends {
  /** The Service of a variant, e.g. its Deployment's Service (`deployment` backend) or KServe's predictor Service. */
  readonly service: (v: ResolvedVariant) => string;
  /** The Service port the route sends HTTP to, e.g. 8080 (MLServer's Service) or 80 (KServe's predictor Services). */
  readonly port: number;
}

/**
 * A Gateway API HTTPRoute named after the model, splitting traffic between the variants' Services by weight (each
 * live variant's traffic percentage) and mirroring to the shadow's Service (RequestMirror: the gateway discards the
 * mirror's responses). It attaches to the model's Gateway (`m.deployment.gateway`: the platform's
 * `<platform namespace>/modelplane` unless a `deployment`-backend model names its own) with its host names.
 */
export function renderHttpRoute(
  scope: Construct,
  id: string,
  m: ResolvedOnlineModel,
  labels: Record<string, string>,
  backends: RouteBackends,
): ApiObject {
  const live = m.variants.filter((x) => !x.shadow);
  const shadow = m.variants.find((x) => x.shadow);
  const backendRef = (x: ResolvedVariant) => ({ group: '', kind: 'Service', name: backends.service(x), port: backends.port });
  const gw = m.deployment.gateway;
  const rule: Record<string, unknown> = {
    matches: [{ path: { type: 'PathPrefix', value: '/' } }],
    backendRefs: live.map((x) => ({ ...backendRef(x), weight: x.traffic })),
  };
  if (shadow) rule.filters = [{ type: 'RequestMirror', requestMirror: { backendRef: backendRef(shadow) } }];
  return new ApiObject(scope, id, {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'HTTPRoute',
    metadata: { name: m.name, namespace: m.namespace, labels },
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: gw.name,
          namespace: gw.namespace,
          ...(gw.sectionName ? { sectionName: gw.sectionName } : {}),
        },
      ],
      ...(m.deployment.hostnames.length > 0 ? { hostnames: [...m.deployment.hostnames] } : {}),
      rules: [rule],
    },
  });
}
