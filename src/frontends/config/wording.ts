/**
 * The constructs' messages in the words of the file: a problem or fix that names props
 * (`autoscaling.minReplicas`, `backend: "seldon"`, `a SparkBatchModel`; see core/words.ts) names the
 * fields the user writes instead (`replicas.min`, `server: seldon`, `a batch model`), translated
 * through the same mapping tables that build the props (`./mapping-tables.ts`): there is no second
 * table of names. A construct whose props are the file's own fields (a model test, a GPU pool, the
 * platform file's parts) keeps its field names; only the values are written the YAML way.
 */
import type { ValidationIssue } from '../../core/errors';
import { KindRef, literal, LiteralStyle, PropRef, renderWords, valueAtPath, Words, WordsRenderer } from '../../core/words';
import { FieldTable, propLeaves, yamlFieldOf, yamlValueOf } from './mapping';
import { FIELD_TABLES } from './mapping-tables';
import { formatPath, parsePath } from './source';

/** Words YAML 1.1 readers take for booleans or null: always quoted. */
const YAML_WORDS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

/** YAML values: plain where a YAML reader reads the text back as the same string, else double-quoted. */
export const YAML_LITERALS: LiteralStyle = {
  string: (s) => (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(s) && !YAML_WORDS.test(s) ? s : JSON.stringify(s)),
  key: (k) => (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(k) && !YAML_WORDS.test(k) ? k : JSON.stringify(k)),
};

/** The entry an issue was found in, with its mapping table: references to its construct's props are translated with it. */
export interface EntryWords {
  /** The entry's mapping table. */
  readonly table: FieldTable<never>;
  /** The entry as written (merged with `defaults`). */
  readonly entry: unknown;
}

/** The table of a construct kind, if a kind of entry maps onto it. */
function tableOf(kind: string): FieldTable<never> | undefined {
  return FIELD_TABLES.find((t) => t.construct === kind);
}

/** A field as the file writes it, or undefined when the table names no field for it. */
function fieldWords(table: FieldTable<never>, entry: unknown, ref: PropRef): string | undefined {
  if (!ref.hasValue) {
    const path = yamlFieldOf(table, entry as never, ref.prop);
    return path && path.length > 0 ? `\`${formatPath(path)}\`` : undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [prop, value] of propLeaves(table, ref.prop, ref.value)) {
    const path = yamlFieldOf(table, entry as never, prop);
    if (!path || path.length === 0 || path.some((s) => typeof s === 'number')) return undefined;
    let node = out;
    path.slice(0, -1).forEach((s) => (node = (node[s] ??= {}) as Record<string, unknown>));
    node[path[path.length - 1] as string] = yamlValueOf(table, prop, value);
  }
  return Object.entries(out)
    .map(([k, v]) => `${YAML_LITERALS.key(k)}: ${literal(v, YAML_LITERALS)}`)
    .join(', ');
}

/** A field of props that are the file's own fields (no table): its name as it is, its value in YAML. */
function ownFieldWords(ref: PropRef): string {
  if (!ref.hasValue) return `\`${ref.prop}\``;
  const keys = parsePath(ref.prop).filter((s): s is string => typeof s === 'string');
  return valueAtPath(keys, ref.value, YAML_LITERALS);
}

/** A construct kind as the file creates one: "a batch model (`models[]` with `type: batch`)". */
function kindWords(ref: KindRef): string {
  const table = tableOf(ref.kind);
  if (!table) return `${/^[AEIOU]/.test(ref.kind) ? 'an' : 'a'} ${ref.kind}`;
  return `${/^[aeiou]/.test(table.entry) ? 'an' : 'a'} ${table.entry} (${table.where})`;
}

/**
 * How a message of construct `kind` reads in the file. References to the props of the entry's own
 * construct are translated with `own` (its table and the entry as written); references to another
 * kind's props with that kind's table.
 */
export function fileRenderer(kind: string, own?: EntryWords): WordsRenderer {
  return {
    prop: (ref) => {
      const table = tableOf(ref.of ?? kind);
      if (!table) return ownFieldWords(ref);
      const entry = own && own.table === table ? own.entry : {};
      // A prop the file cannot set is named as the construct names it (a test of the corpus finds any).
      return fieldWords(table, entry, ref) ?? renderWords({ parts: [ref] });
    },
    kind: kindWords,
    codeOnly: () => '',
  };
}

/** The problem and fix of a construct's issue in the words of the file. */
export function issueWords(i: ValidationIssue, own?: EntryWords): { problem: string; fix: string } {
  const renderer = fileRenderer(i.kind, own);
  const render = (parts: Words['parts'] | undefined, text: string) => (parts ? renderWords({ parts }, renderer) : text);
  return { problem: render(i.problemParts, i.problem), fix: render(i.fixParts, i.fix) };
}
