/**
 * A team's access to the object store, set in its platform-file entry (`teams[i].objectStore`) or its
 * TeamSpace props. With the embedded store there is nothing to set: the bootstrap Job creates the team's
 * Secret and confines it to `<team>/` in the team buckets (docs/object-store.md). With an external S3
 * store, a team either uses a Secret the platform engineer creates in its namespace (by name, never by
 * value) or a cloud workload identity bound to the team's ServiceAccounts.
 */
import { Validator } from '../core/errors';
import { isRecord } from '../core/records';
import { checkName } from '../core/validate';

/** One cloud workload identity for a team's ServiceAccounts; give exactly one field. */
export interface TeamWorkloadIdentity {
  /**
   * EKS IAM Roles for Service Accounts: the role's ARN, e.g. `arn:aws:iam::123456789012:role/risk-s3`;
   * annotated as `eks.amazonaws.com/role-arn`. @default - not AWS
   */
  readonly awsRoleArn?: string;
  /**
   * GKE Workload Identity: the Google service account's e-mail, e.g. `risk-s3@my-project.iam.gserviceaccount.com`;
   * annotated as `iam.gke.io/gcp-service-account`. @default - not GKE
   */
  readonly gcpServiceAccount?: string;
  /**
   * Azure Workload Identity: the managed identity's client id (a UUID); annotated as
   * `azure.workload.identity/client-id`. @default - not Azure
   */
  readonly azureClientId?: string;
}

/** A team's access to an external object store (the platform's `mlflow.artifactStore.s3`). */
export interface TeamObjectStoreProps {
  /**
   * The Secret in the team namespace, with keys `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, that the
   * team's model workloads read. You create it (e.g. from your vault); it is a prerequisite of the output,
   * never a value in it. @default - the platform's `objectStore.credentialsSecret` ("modelplane-s3")
   */
  readonly credentialsSecret?: string;
  /**
   * A cloud workload identity annotated on the team's ServiceAccounts (`modelplane-workload`,
   * `modelplane-spark`), for a store that trusts it (S3 with IRSA, GCS, Azure Blob through an S3 gateway).
   * @default - none: the Secret `credentialsSecret` only
   */
  readonly workloadIdentity?: TeamWorkloadIdentity;
}

/** The annotation each kind of workload identity is written as. */
export const WORKLOAD_IDENTITY_ANNOTATIONS = {
  awsRoleArn: 'eks.amazonaws.com/role-arn',
  gcpServiceAccount: 'iam.gke.io/gcp-service-account',
  azureClientId: 'azure.workload.identity/client-id',
} as const;

type IdentityKind = keyof typeof WORKLOAD_IDENTITY_ANNOTATIONS;

const IDENTITY_RULES: Record<IdentityKind, { readonly ok: RegExp; readonly what: string; readonly example: string }> = {
  awsRoleArn: {
    ok: /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    what: 'is not the ARN of an IAM role',
    example: 'write it like "arn:aws:iam::123456789012:role/risk-s3"',
  },
  gcpServiceAccount: {
    ok: /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/,
    what: 'is not the e-mail of a Google service account',
    example: 'write it like "risk-s3@my-project.iam.gserviceaccount.com"',
  },
  azureClientId: {
    ok: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    what: 'is not a client id (a lower-case UUID)',
    example: 'write the managed identity\'s client id, e.g. "00000000-0000-0000-0000-000000000000"',
  },
};

/** True for a value the annotation of `kind` accepts. */
export function isWorkloadIdentity(kind: IdentityKind, value: unknown): boolean {
  return typeof value === 'string' && IDENTITY_RULES[kind].ok.test(value);
}

/** Checks `objectStore` of a team's props; `field` is its path (e.g. `objectStore`). */
export function checkTeamObjectStore(v: Validator, field: string, store: unknown): void {
  if (!v.check(isRecord(store), field, store, 'must be an object', 'write e.g. { credentialsSecret: "risk-s3" }')) return;
  const s = store as Record<string, unknown>;
  for (const key of Object.keys(s))
    v.check(
      key === 'credentialsSecret' || key === 'workloadIdentity',
      `${field}.${key}`,
      key,
      "is not a setting of a team's object store",
      'use credentialsSecret or workloadIdentity',
    );
  if (s.credentialsSecret !== undefined) checkName(v, `${field}.credentialsSecret`, s.credentialsSecret);
  if (s.workloadIdentity === undefined) return;
  const wi = s.workloadIdentity;
  const f = `${field}.workloadIdentity`;
  const kinds = Object.keys(WORKLOAD_IDENTITY_ANNOTATIONS).join(', ');
  if (
    !v.check(
      isRecord(wi),
      f,
      wi,
      'must be an object',
      `give one of ${kinds}, e.g. { awsRoleArn: "arn:aws:iam::123456789012:role/risk-s3" }`,
    )
  )
    return;
  const given = Object.keys(wi as Record<string, unknown>);
  for (const key of given) {
    if (!v.check(key in IDENTITY_RULES, `${f}.${key}`, key, 'is not a kind of workload identity', `use one of ${kinds}`)) continue;
    const rule = IDENTITY_RULES[key as IdentityKind];
    const value = (wi as Record<string, unknown>)[key];
    v.check(rule.ok.test(String(value)) && typeof value === 'string', `${f}.${key}`, value, rule.what, rule.example);
  }
  v.check(given.length === 1, f, given, 'must give exactly one workload identity', `keep one of ${kinds}`);
}

/** The ServiceAccount annotations of a (checked) workload identity, sorted by name. */
export function workloadIdentityAnnotations(wi: TeamWorkloadIdentity | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!wi) return out;
  for (const kind of Object.keys(WORKLOAD_IDENTITY_ANNOTATIONS) as IdentityKind[]) {
    const value = wi[kind];
    if (value !== undefined) out[WORKLOAD_IDENTITY_ANNOTATIONS[kind]] = value;
  }
  return out;
}
