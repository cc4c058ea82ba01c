/** Assertions on modelplane's validation errors: construct, field, value and fix named, nothing synthesized. */
import { ModelplaneValidationError, renderValue, ValidationIssue } from '../../src/core/errors';

/** What a validation error must say. */
export interface ExpectedIssue {
  /** The construct, e.g. `MlflowServer "mlflow"`. */
  readonly construct: string;
  /** The field path, e.g. `replicas`. */
  readonly field: string;
  /** The bad value as given (checked in its rendered form), or omitted for redacted values. */
  readonly value?: unknown;
  /** A pattern the problem or fix must match. */
  readonly says?: RegExp;
}

/** Runs `fn`, expects a ModelplaneValidationError with an issue matching `expected`, and returns that issue. */
export function expectIssue(fn: () => unknown, expected: ExpectedIssue): ValidationIssue {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ModelplaneValidationError)) {
    throw new Error(
      `expected a ModelplaneValidationError for ${expected.construct} \`${expected.field}\`, got ${error === undefined ? 'no error' : String(error)}`,
    );
  }
  const issue = error.issues.find((i) => i.construct === expected.construct && i.field === expected.field);
  if (!issue) throw new Error(`no issue for ${expected.construct} \`${expected.field}\` in:\n${error.message}`);
  const line = error.message.split('\n').find((l) => l.startsWith(`${expected.construct}: \`${expected.field}\``));
  expect(line).toBeDefined();
  // The message names the construct, the field, the value and a fix.
  expect(line).toContain(expected.construct);
  expect(line).toContain(`\`${expected.field}\``);
  if ('value' in expected && expected.value !== undefined) expect(line).toContain(renderValue(expected.value));
  // A value left out is said so in words, never as "= undefined".
  if ('value' in expected && expected.value === undefined) expect(line).not.toMatch(/\bundefined\b/);
  expect(line).toMatch(/\. Fix: \S/);
  expect(issue.fix.length).toBeGreaterThan(5);
  if (expected.says) expect(`${issue.problem} ${issue.fix}`).toMatch(expected.says);
  return issue;
}
