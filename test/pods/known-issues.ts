/**
 * Known issues of the pods tier: workloads whose controller cannot create their Pods for a reason that
 * is not a small fix in our constructs. Each entry names the workload, the exact part of the
 * controller's message it expects and why it is accepted for now. The tier prints every entry it
 * matched; an entry that no longer matches fails the tier (remove it), so the list cannot go stale.
 */
export interface KnownIssue {
  /** Output sets it applies to (a regular expression on the set name, e.g. `^dist$`). */
  readonly set: RegExp;
  /** `Kind namespace/name` of the workload. */
  readonly workload: string;
  /** A part of the controller's message (its event or condition) that must appear. */
  readonly message: string;
  /** Why it is accepted, and what would fix it. */
  readonly reason: string;
}

export const KNOWN_ISSUES: readonly KnownIssue[] = [];
