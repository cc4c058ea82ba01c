/**
 * Check shapes batch models and cascades share, written once: whole numbers in a range (table-driven),
 * a value from a fixed list, Airflow Asset URIs, dataset URIs, where a cascade model writes, run-time
 * values (arguments and env values) and values passed on as they are.
 */
import type { Validator } from '../../core/errors';
import { prop, words, Wording } from '../../core/words';
import { textProblem } from '../../core/validate';
import {
  macroTargetFix,
  macroTargetProblem,
  macrosOf,
  RUN_VALUE_FIX,
  RUN_VALUES_DOC,
  runValueProblem,
  RunValueTarget,
  templateSyntaxProblem,
} from './run-values';

/** An Airflow Asset (dataset) URI: a scheme, `://`, then no spaces. */
export const ASSET_URI = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;
/** A dataset a model reads: `s3a://…`, `hive:db.table`, `hdfs://…`, `gs://…`, `abfss://…`. */
export const DATASET_URI = /^(s3a?|hive|hdfs|gs|abfss?):(\/\/)?\S+$/;
/** A Hive table name `db.table`. */
export const HIVE_TABLE = /^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/;
/** An S3 path through the s3a connector. */
export const S3A_PATH = /^s3a:\/\/\S+$/;

/** A field check: records an issue on `v` unless `value` passes, and says whether it did. */
export type FieldCheck = (v: Validator, field: string, value: unknown) => boolean;

/** A check that a value is a string matching `pattern`, reporting `problem` and `fix` otherwise. */
export function patternCheck(pattern: RegExp, problem: string, fix: Wording): FieldCheck {
  return (v, field, value) => v.check(typeof value === 'string' && pattern.test(value), field, value, problem, fix);
}

/** One whole-number rule: `value` must be an integer from `min` to `max`. */
export interface WholeNumberRule {
  /** The field path. */
  readonly field: string;
  /** The value given (after defaults). */
  readonly value: unknown;
  /** Smallest allowed value. */
  readonly min: number;
  /** Largest allowed value. @default - no upper bound */
  readonly max?: number;
  /** What is wrong when the rule fails. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: Wording;
}

/** True for a whole number from `min` to `max`. */
export function isWholeIn(value: unknown, min: number, max = Infinity): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Checks each rule, in order. */
export function checkWholeNumbers(v: Validator, rules: readonly WholeNumberRule[]): void {
  for (const r of rules) v.check(isWholeIn(r.value, r.min, r.max), r.field, r.value, r.problem, r.fix);
}

/** Checks that `value` is one of `allowed`. */
export function checkOneOf(
  v: Validator,
  field: string,
  value: unknown,
  allowed: readonly string[],
  problem: string,
  fix: Wording,
): boolean {
  return v.check(allowed.includes(value as string), field, value, problem, fix);
}

/** Checks every entry of a list of Airflow Asset URIs (`<field>[i]`). */
export function checkAssetUris(v: Validator, field: string, assets: readonly unknown[]): void {
  assets.forEach((a, i) =>
    v.check(
      typeof a === 'string' && ASSET_URI.test(a),
      `${field}[${i}]`,
      a,
      'is not a dataset URI',
      'write it like "s3://features/churn/daily"',
    ),
  );
}

/** Checks a dataset URI a model reads. */
export const checkDatasetUri: FieldCheck = patternCheck(
  DATASET_URI,
  'is not a dataset URI',
  'write it like "s3a://lake/features/2024" or "hive:db.table"',
);

/** Where a cascade model writes its predictions: a Hive table or an s3a:// path. */
export interface OutputProps {
  /** A Hive table `db.table`. @default - none */
  readonly outputTable?: string;
  /** An s3a:// path. @default - none */
  readonly outputPath?: string;
}

const OUTPUT_FORMS = [
  { key: 'outputTable', pattern: HIVE_TABLE, problem: 'is not a Hive table name', example: 'scoring.churn_predictions' },
  { key: 'outputPath', pattern: S3A_PATH, problem: 'is not an s3a:// path', example: 's3a://predictions/churn' },
] as const;

/** Checks that exactly one output is given (`<prefix>.outputTable` / `<prefix>.outputPath`), and its form. */
export function checkOutput(v: Validator, prefix: string, io: OutputProps): void {
  v.check(
    (io.outputTable === undefined) !== (io.outputPath === undefined),
    `${prefix}.outputTable`,
    io.outputTable ?? io.outputPath,
    'a cascade model writes its predictions to exactly one place',
    words`give ${prop(`${prefix}.outputTable`, 'db.table')} or ${prop(`${prefix}.outputPath`, 's3a://…')}, not both`,
  );
  for (const form of OUTPUT_FORMS) {
    const value = io[form.key];
    const field = `${prefix}.${form.key}`;
    if (value !== undefined)
      v.check(form.pattern.test(value), field, value, form.problem, words`write it like ${prop(field, form.example)}`);
  }
}

/**
 * Checks an argument or env value of a batch model: a string, plain text on one line (tabs are fine),
 * with only the supported run-time macros (see run-values.ts) and, for each of `targets`, only macros
 * that target can express. `shown` is the value messages print (a redaction for a credential-like name).
 */
export function checkRunValue(
  v: Validator,
  field: string,
  value: unknown,
  targets: readonly RunValueTarget[],
  shown: unknown = value,
): boolean {
  if (!v.check(typeof value === 'string', field, shown, 'must be a string', 'quote it')) return false;
  const text = textProblem(value);
  if (!v.check(text === undefined, field, shown, text ?? '', 'remove the character (write plain text on one line; tabs are fine)'))
    return false;
  const problem = runValueProblem(value as string);
  if (!v.check(problem === undefined, field, shown, problem ?? '', RUN_VALUE_FIX)) return false;
  for (const target of targets) {
    for (const macro of macrosOf(value as string)) {
      const p = macroTargetProblem(macro, target);
      if (!v.check(p === undefined, field, shown, p ?? '', macroTargetFix(target))) return false;
    }
  }
  return true;
}

/**
 * Checks a value that is passed on as it is (URIs, images, conf keys, and conf values on Argo): no
 * template syntax (`{{`, `{%`, `{#`), which no orchestrator substitutes there and Argo would evaluate.
 */
export function checkNoTemplate(v: Validator, field: string, value: unknown): boolean {
  const problem = typeof value === 'string' ? templateSyntaxProblem(value) : undefined;
  return v.check(
    problem === undefined,
    field,
    value,
    problem ?? '',
    `remove the braces; put run-time values in args or env values (see ${RUN_VALUES_DOC})`,
  );
}
