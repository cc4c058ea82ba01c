/**
 * Message text that names fields: a construct's problems and fixes speak of its props
 * (`autoscaling.minReplicas`, `backend: "seldon"`), which is what a TypeScript user writes. A front end
 * that writes the props for its users from another language (the `modelplane.yaml` loader) needs the
 * same message in its users' terms, so a message is kept as {@link Words}: text with the props it names
 * as references, rendered by a {@link WordsRenderer}. {@link CODE_WORDS} renders them for code; a front
 * end translates each reference (its field path, its value, a construct kind) through its own mapping.
 *
 * @example
 * v.fail('autoscaling.minReplicas', 5, words`is greater than ${prop('autoscaling.maxReplicas')} (2)`,
 *   words`make ${prop('autoscaling.minReplicas')} at most ${prop('autoscaling.maxReplicas')}`);
 * // code: make `autoscaling.minReplicas` at most `autoscaling.maxReplicas`
 * // modelplane.yaml: make `replicas.min` at most `replicas.max`
 */
import { isRecord } from './records';

/** A field of a construct's props named in a message: `` `path` `` alone, or `path: value` (a value to write). */
export interface PropRef {
  /** The field's path in the props, e.g. `autoscaling.minReplicas` (the props of {@link PropRef.of}). */
  readonly prop: string;
  /** Whether a value to write is given (it may be any value but `undefined`). */
  readonly hasValue: boolean;
  /** The value to write, e.g. `2` for `autoscaling: { minReplicas: 2 }`. @default - none: the field alone */
  readonly value?: unknown;
  /** The construct kind whose props hold the field, e.g. `SparkBatchModel`. @default - the construct the message is about */
  readonly of?: string;
}

/** A construct kind named in a message (`a SparkBatchModel`): front ends name the entry that creates one. */
export interface KindRef {
  /** The kind, e.g. `SparkBatchModel`. */
  readonly kind: string;
}

/** Words only for readers who create the constructs in code (where to create a construct, in which order); other front ends drop them. */
export interface CodeOnly {
  /** The words. */
  readonly codeOnly: string;
}

/** One part of {@link Words}: plain text or a reference. */
export type WordsPart = string | PropRef | KindRef | CodeOnly;

/** Message text with the fields and kinds it names kept as references. */
export interface Words {
  /** The parts, in order. */
  readonly parts: readonly WordsPart[];
}

/** A message as constructs pass it: plain text (names nothing a front end translates) or {@link Words}. */
export type Wording = string | Words;

/** What a template of {@link words} interpolates: a reference, other words, or a value shown as it is. */
export type WordsArg = WordsPart | Words | number | boolean;

/** True for {@link Words}. */
export function isWords(x: unknown): x is Words {
  return isRecord(x) && Array.isArray(x.parts);
}

/**
 * Message text naming props: `` words`set ${prop('autoscaling.rabbitmq')} instead` ``. Strings,
 * numbers and booleans interpolated are text; {@link prop}, {@link propOf}, {@link kindRef} and
 * {@link codeOnly} are references; other words are spliced in.
 */
export function words(strings: TemplateStringsArray, ...args: readonly WordsArg[]): Words {
  const parts: WordsPart[] = [];
  const text = (s: string) => {
    if (s === '') return;
    const last = parts[parts.length - 1];
    if (typeof last === 'string') parts[parts.length - 1] = last + s;
    else parts.push(s);
  };
  strings.forEach((s, i) => {
    text(s);
    if (i >= args.length) return;
    const a = args[i];
    if (typeof a === 'number' || typeof a === 'boolean') text(String(a));
    else if (typeof a === 'string') text(a);
    else if (isWords(a)) a.parts.forEach((p) => (typeof p === 'string' ? text(p) : parts.push(p)));
    else parts.push(a);
  });
  return { parts };
}

/**
 * A field of the message's own construct: `prop('replicas')` reads `` `replicas` ``; with a value,
 * `prop('autoscaling.minReplicas', 2)` reads `autoscaling: { minReplicas: 2 }`.
 */
export function prop(path: string, ...value: [] | [unknown]): PropRef {
  return value.length === 0 ? { prop: path, hasValue: false } : { prop: path, hasValue: true, value: value[0] };
}

/** A field of another construct kind's props, e.g. `propOf('SparkBatchModel', 'cascade.outputTable', 'db.table')`. */
export function propOf(kind: string, path: string, ...value: [] | [unknown]): PropRef {
  return { ...prop(path, ...value), of: kind };
}

/** A construct kind: `kindRef('SparkBatchModel')` reads "a SparkBatchModel" in code. */
export function kindRef(kind: string): KindRef {
  return { kind };
}

/** Words for code only, e.g. `codeOnly(' before the cascade')`. */
export function codeOnly(text: string): CodeOnly {
  return { codeOnly: text };
}

/** How a front end words each kind of reference. */
export interface WordsRenderer {
  /** A field (with its value, when given). */
  prop(ref: PropRef): string;
  /** A construct kind, with its article ("a SparkBatchModel"). */
  kind(ref: KindRef): string;
  /** Words for code only: shown, or dropped (''). */
  codeOnly(text: string): string;
}

/** Renders a message with `renderer` (plain text is returned as it is). */
export function renderWords(w: Wording, renderer: WordsRenderer = CODE_WORDS): string {
  if (typeof w === 'string') return w;
  return w.parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if ('prop' in p) return renderer.prop(p);
      if ('kind' in p) return renderer.kind(p);
      return renderer.codeOnly(p.codeOnly);
    })
    .join('');
}

/** The parts of a message ({@link Words.parts}), or undefined for plain text. */
export function wordsParts(w: Wording): readonly WordsPart[] | undefined {
  return typeof w === 'string' ? undefined : w.parts;
}

/** How values are written in a language: strings and map keys. */
export interface LiteralStyle {
  /** A string value. */
  readonly string: (s: string) => string;
  /** A map key. */
  readonly key: (k: string) => string;
}

/** TypeScript literals: strings quoted, identifier keys bare. */
export const CODE_LITERALS: LiteralStyle = {
  string: (s) => JSON.stringify(s),
  key: (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)),
};

/** A value as a one-line literal: `{ a: 1, b: [x, y] }`, strings and keys written by `style`. */
export function literal(value: unknown, style: LiteralStyle = CODE_LITERALS): string {
  if (typeof value === 'string') return style.string(value);
  if (Array.isArray(value)) return `[${value.map((x) => literal(x, style)).join(', ')}]`;
  if (isRecord(value)) {
    const entries = Object.entries(value).map(([k, x]) => `${style.key(k)}: ${literal(x, style)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

/**
 * A value written at a path, as one line: `['autoscaling', 'minReplicas']` and 2 read
 * `autoscaling: { minReplicas: 2 }`.
 */
export function valueAtPath(path: readonly string[], value: unknown, style: LiteralStyle = CODE_LITERALS): string {
  if (path.length === 0) return literal(value, style);
  const [head, ...rest] = path;
  return `${style.key(head)}: ${rest.length === 0 ? literal(value, style) : `{ ${valueAtPath(rest, value, style)} }`}`;
}

/** Splits a props path such as `sparkConf["spark.x"]` or `variants[1].traffic` into its keys (list indexes dropped). */
function propKeys(path: string): string[] {
  const out: string[] = [];
  const re = /([A-Za-z_$][\w$-]*)|\[\d+\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
  }
  return out;
}

/** The words of code: props as written in TypeScript, kinds by their class names. */
export const CODE_WORDS: WordsRenderer = {
  prop: (ref) => (ref.hasValue ? valueAtPath(propKeys(ref.prop), ref.value) : `\`${ref.prop}\``),
  kind: (ref) => `${/^[AEIOU]/.test(ref.kind) ? 'an' : 'a'} ${ref.kind}`,
  codeOnly: (text) => text,
};
