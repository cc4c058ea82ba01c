/**
 * The field table of docs/modelplane-yaml.md (YAML field -> construct prop -> notes), written from
 * the mapping tables by `npm run gen:config-types` between {@link FIELDS_BEGIN} and
 * {@link FIELDS_END}; test/mapping-generated.test.ts fails when the page is stale. The construct
 * reference (`npm run docs`) carries the same table as a page of its own ({@link fieldsPage}).
 */
import type { FieldRow, FieldTable, GroupRow, MappingRow } from './mapping';
import { FIELD_TABLES } from './mapping-tables';

/** The line before the generated section. */
export const FIELDS_BEGIN = '<!-- fields:begin -->';
/** The line after it. */
export const FIELDS_END = '<!-- fields:end -->';

const code = (paths: readonly string[]) => paths.map((p) => (p === '' ? 'the entry' : `\`${p}\``)).join(', ');
const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The innermost conditional group a field row writes into, when its own field does not create it. */
function onlyWith<E>(table: FieldTable<E>, row: FieldRow): string | undefined {
  const groups = table.rows.filter((r): r is GroupRow => r.kind === 'group' && r.when !== 'always' && row.prop.startsWith(`${r.prop}.`));
  const inner = groups.sort((a, b) => b.prop.length - a.prop.length)[0];
  if (!inner || inner.when === 'always' || inner.when.some((w) => row.yaml === w || row.yaml.startsWith(`${w}.`))) return undefined;
  return `only with ${code(inner.when)}`;
}

function fieldNotes<E>(table: FieldTable<E>, row: FieldRow): string {
  const unset = row.unset?.();
  return [
    row.note,
    row.convert && `_${row.convert.name}_: ${row.convert.note}`,
    unset !== undefined ? `\`${JSON.stringify(unset)}\` when not set` : undefined,
    onlyWith(table, row),
  ]
    .filter((x): x is string => x !== undefined)
    .join('; ');
}

/** One row of the docs table: YAML field(s), prop(s), notes. */
function line<E>(table: FieldTable<E>, row: MappingRow<E>): [string, string, string] {
  switch (row.kind) {
    case 'other':
      return [code([row.yaml]), '—', row.note];
    case 'id':
      return [code([row.yaml]), 'the construct id', row.note ?? ''];
    case 'group':
      return [row.when === 'always' ? '—' : code(row.when), `${code([row.prop])} (object)`, row.note];
    case 'composed':
      return [code(row.yaml), code(row.props), `_${row.name}_: ${row.note}`];
    default:
      return [code([row.yaml]), code([row.prop]), fieldNotes(table, row)];
  }
}

/** The section for one table. */
function tableMarkdown<E>(table: FieldTable<E>): string {
  const rows = table.rows.map((r) => `| ${line(table, r).map(cell).join(' | ')} |`);
  return [
    `### ${table.entry} (${table.where}) → \`${table.construct}\``,
    '',
    `| YAML field | \`${table.propsType}\` | notes |`,
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** The generated section (without the marker lines). */
export function fieldsMarkdown(): string {
  return [
    '<!-- generated from src/frontends/config/mapping-tables.ts by `npm run gen:config-types`; do not edit -->',
    '',
    ...FIELD_TABLES.map(tableMarkdown),
  ].join('\n');
}

/** The reference's page of the table (docs/build.sh writes it for TypeDoc): a title, how to read it, the tables. */
export function fieldsPage(): string {
  return [
    '---',
    'title: modelplane.yaml and the TypeScript props',
    '---',
    '',
    '# modelplane.yaml and the TypeScript props',
    '',
    'Each entry of a `modelplane.yaml` becomes one construct, with the props a TypeScript user would write. The tables say',
    'which prop each field becomes (a path inside an object prop is written `a.b`). The same tables word the',
    "constructs' messages for the file: a problem or fix naming a prop names the field that sets it instead",
    '(`autoscaling.minReplicas` is `replicas.min`, `backend: "seldon"` is `server: seldon`), so a fix can be typed into the file.',
    '',
    fieldsMarkdown(),
  ].join('\n');
}
