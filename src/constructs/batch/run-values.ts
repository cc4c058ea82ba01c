/**
 * Run-time values: the one contract for `{{ … }}` in a batch model's arguments and env values
 * (docs/cookbook/run-time-values.md). A fixed set of macros is accepted — the run's date in several
 * forms, its run id and `params.NAME` — and anything else that looks like a template (`{{`, `{%`,
 * `{#`) is refused at synth time. No team text is ever handed to a template engine:
 *
 * - on Airflow the generated DAG's `submit` substitutes the macros itself, from the task's context,
 *   with one regular expression ({@link RUN_VALUE_PYTHON_PATTERN}); Airflow's Jinja (not sandboxed)
 *   never sees the values;
 * - on Argo each macro is translated to Argo's own variables ({@link toArgo}) and every string of a
 *   compiled manifest is checked for any other `{{` ({@link argoTagProblems});
 * - the Spark operator's ScheduledSparkApplication renders nothing, so macros are refused there.
 */

/** The date and run macros, in the order messages list them. */
export const RUN_MACROS = ['ds', 'ds_nodash', 'ts', 'logical_date', 'data_interval_start', 'data_interval_end', 'run_id'] as const;
/** A date or run macro. */
export type RunMacro = (typeof RUN_MACROS)[number];

/** The prefix of a run parameter macro, `params.NAME`. */
export const PARAM_PREFIX = 'params.';
/** A parameter name: a Python identifier in ASCII. */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Parameters a cascade's trigger form already defines (the blocks and models a run selects). */
export const RESERVED_PARAMS: readonly string[] = ['blocks', 'models'];

/** The supported macros as messages and docs list them. */
export const SUPPORTED_MACROS = [...RUN_MACROS.map((m) => `{{ ${m} }}`), '{{ params.NAME }}'].join(', ');

/** Where the contract is documented, for messages. */
export const RUN_VALUES_DOC = 'docs/cookbook/run-time-values.md';

/**
 * The regular expression the generated DAG substitutes with (Python `re` syntax, also valid in
 * JavaScript): a supported macro with optional spaces inside the braces. On a value {@link
 * parseRunValue} accepted, its matches are exactly the value's macros.
 */
export const RUN_VALUE_PYTHON_PATTERN = `\\{\\{ *(${RUN_MACROS.join('|')}|params\\.[A-Za-z_][A-Za-z0-9_]*) *\\}\\}`;

/** One piece of a parsed value: literal text, or a macro (`ds`, `params.segment`, …). */
export type RunValuePart = { readonly text: string } | { readonly macro: string };

/** A parsed value, or why it is refused. */
export type ParsedRunValue = { readonly parts: readonly RunValuePart[] } | { readonly problem: string };

const OPENERS = ['{{', '{%', '{#'] as const;

function firstOpener(value: string, from: number): { at: number; opener: string } | undefined {
  let best: { at: number; opener: string } | undefined;
  for (const opener of OPENERS) {
    const at = value.indexOf(opener, from);
    if (at >= 0 && (best === undefined || at < best.at)) best = { at, opener };
  }
  return best;
}

/** The macro a tag's content names (`ds`, `params.x`), or why it is not one. */
function macroOf(content: string): { macro: string } | { problem: string } {
  const name = /^ *(\S*) *$/.exec(content)?.[1];
  if (name !== undefined && (RUN_MACROS as readonly string[]).includes(name)) return { macro: name };
  if (name !== undefined && name.startsWith(PARAM_PREFIX) && PARAM_NAME.test(name.slice(PARAM_PREFIX.length))) {
    const param = name.slice(PARAM_PREFIX.length);
    if (RESERVED_PARAMS.includes(param))
      return { problem: `has {{ ${name} }}: "${param}" is the cascade's own trigger parameter (the ${param} a run selects)` };
    return { macro: name };
  }
  return { problem: `has "{{${content}}}", which is not a run-time value modelplane substitutes` };
}

/**
 * Parses an argument or env value: literal text and supported macros. Scanning left to right, every
 * `{{` must open a supported macro closed by the next `}}`; `{%` and `{#` (Jinja statements and
 * comments) are refused anywhere. Pure.
 */
export function parseRunValue(value: string): ParsedRunValue {
  const parts: RunValuePart[] = [];
  let pos = 0;
  for (let next = firstOpener(value, 0); next !== undefined; next = firstOpener(value, pos)) {
    if (next.opener !== '{{')
      return { problem: `has "${next.opener}" at position ${next.at + 1}; template statements and comments are not run-time values` };
    const close = value.indexOf('}}', next.at + 2);
    if (close < 0) return { problem: `opens "{{" at position ${next.at + 1} and never closes it with "}}"` };
    const m = macroOf(value.slice(next.at + 2, close));
    if ('problem' in m) return m;
    if (next.at > pos) parts.push({ text: value.slice(pos, next.at) });
    parts.push({ macro: m.macro });
    pos = close + 2;
  }
  if (pos < value.length) parts.push({ text: value.slice(pos) });
  return { parts };
}

/** The macros of a value {@link parseRunValue} accepted (none for a refused one), in order. */
export function macrosOf(value: string): string[] {
  const parsed = parseRunValue(value);
  return 'parts' in parsed ? parsed.parts.flatMap((p) => ('macro' in p ? [p.macro] : [])) : [];
}

/** The fix of a refused run-time value. */
export const RUN_VALUE_FIX = `use only ${SUPPORTED_MACROS} (see ${RUN_VALUES_DOC}); other text is passed as it is, without "{{", "{%" or "{#"`;

/** Problem with an argument or env value as a run-time value, or undefined. */
export function runValueProblem(value: string): string | undefined {
  const parsed = parseRunValue(value);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/** Problem with a value that is passed on as it is (URIs, images): template syntax, or undefined. */
export function templateSyntaxProblem(value: string): string | undefined {
  const found = firstOpener(value, 0);
  if (found === undefined) return undefined;
  return `has "${found.opener}" at position ${found.at + 1}; run-time values are substituted only in arguments and env values, and Argo would evaluate this one`;
}

/** Where a model's manifest is compiled to, for which macros it can express. */
export type RunValueTarget = 'airflow' | 'argo-cron' | 'argo-template' | 'spark-operator';

/** Problem with a macro on a target, or undefined. `argo-template` runs take params as workflow parameters. */
export function macroTargetProblem(macro: string, target: RunValueTarget): string | undefined {
  if (target === 'airflow') return undefined;
  if (target === 'spark-operator')
    return `has {{ ${macro} }}, but the Spark operator's ScheduledSparkApplication submits the template as it is and renders no run-time values`;
  if (macro.startsWith(PARAM_PREFIX)) {
    return target === 'argo-cron' ? `has {{ ${macro} }}, but an Argo CronWorkflow run has no parameters to give it` : undefined;
  }
  if (macro === 'data_interval_start' || macro === 'data_interval_end')
    return `has {{ ${macro} }}, which Argo cannot express (an Argo run has a creation time, no data interval)`;
  return undefined;
}

/** The fix for a macro a target cannot express. */
export function macroTargetFix(target: RunValueTarget): string {
  if (target === 'spark-operator') return 'use orchestrator "airflow" or "argo" for run-time values, or pass a fixed value';
  return `on Argo use {{ ds }}, {{ ds_nodash }}, {{ ts }}, {{ logical_date }} or {{ run_id }} (see ${RUN_VALUES_DOC}), or run it on Airflow`;
}

/** An Argo creation-time variable. */
const created = (f: string) => `{{workflow.creationTimestamp.${f}}}`;

/** The Argo text of each date and run macro (`params.NAME` becomes `{{workflow.parameters.NAME}}`). */
export const ARGO_MACROS: Readonly<Record<string, string>> = {
  ds: `${created('Y')}-${created('m')}-${created('d')}`,
  ds_nodash: `${created('Y')}${created('m')}${created('d')}`,
  ts: created('RFC3339'),
  logical_date: created('RFC3339'),
  run_id: '{{workflow.name}}',
};

/**
 * An accepted argument or env value with its macros in Argo's syntax. Values that {@link
 * parseRunValue} refuses, or with macros Argo cannot express, are returned unchanged (the safety
 * net {@link argoTagProblems} then refuses them).
 */
export function toArgo(value: string): string {
  const parsed = parseRunValue(value);
  if ('problem' in parsed) return value;
  return parsed.parts
    .map((p) => {
      if ('text' in p) return p.text;
      if (p.macro.startsWith(PARAM_PREFIX)) return `{{workflow.parameters.${p.macro.slice(PARAM_PREFIX.length)}}}`;
      return ARGO_MACROS[p.macro] ?? `{{ ${p.macro} }}`;
    })
    .join('');
}

/** The values of the macros for one run: what the DAG computes from the task's context. */
export interface RunValueContext {
  /** Values of the date and run macros, by name. */
  readonly values: Readonly<Record<RunMacro, string>>;
  /** The run's params (conf). */
  readonly params: Readonly<Record<string, string>>;
}

/** A value with its macros substituted (the reference the DAG's `render` is tested against). */
export function renderRunValue(value: string, context: RunValueContext): string {
  const parsed = parseRunValue(value);
  if ('problem' in parsed) throw new Error(`renderRunValue: ${parsed.problem}`);
  return parsed.parts
    .map((p) => {
      if ('text' in p) return p.text;
      if (p.macro.startsWith(PARAM_PREFIX)) return context.params[p.macro.slice(PARAM_PREFIX.length)];
      return context.values[p.macro as RunMacro];
    })
    .join('');
}

/**
 * The `{{…}}` tags of a string as Argo reads them (each `{{` up to the next `}}`), that are not in
 * `allowed`; a `{{` without a closing `}}` is reported as such.
 */
export function argoTagProblems(text: string, allowed: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let at = text.indexOf('{{'); at >= 0;) {
    const close = text.indexOf('}}', at + 2);
    if (close < 0) {
      out.push(`"{{" at position ${at + 1} without "}}"`);
      break;
    }
    const tag = text.slice(at + 2, close);
    if (!allowed.has(tag)) out.push(`{{${tag}}}`);
    at = text.indexOf('{{', close + 2);
  }
  return out;
}

/** The Argo tags the run-time macros translate to, for the safety net. */
export function argoMacroTags(params: readonly string[] = []): string[] {
  const tags = new Set<string>();
  for (const text of Object.values(ARGO_MACROS)) for (const m of text.matchAll(/\{\{([^}]*)\}\}/g)) tags.add(m[1]);
  for (const p of params) tags.add(`workflow.parameters.${p}`);
  return [...tags];
}
