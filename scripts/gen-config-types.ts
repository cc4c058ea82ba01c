/**
 * `npm run gen:config-types`: writes the generated parts of the `modelplane.yaml` front end.
 *   - src/frontends/config/generated/modelplane-yaml.ts: the YAML's TypeScript types, generated from
 *     schema/modelplane.schema.json (the authority) with json-schema-to-typescript and formatted with
 *     the project's prettier settings;
 *   - the field table of docs/modelplane-yaml.md (between `<!-- fields:begin -->` and
 *     `<!-- fields:end -->`), generated from the mapping tables in src/frontends/config/mapping-tables.ts.
 * With `--check` it writes nothing and exits 1 when either is stale (test/mapping-generated.test.ts runs it).
 *
 * The schema is never edited: a pre-pass over a copy gives json-schema-to-typescript what it needs for
 * good names (titles), inlines the string definitions (name, uri, cron, ...) so that no alias type is
 * left undocumented, keeps property descriptions on shared object types without duplicating them, and
 * spells the `model` definition's if/then composition as the union it means.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from 'json-schema-to-typescript';
import { fieldsMarkdown, FIELDS_BEGIN, FIELDS_END } from '../src/frontends/config/fields-doc';

type Schema = Record<string, unknown>;

const ROOT = join(__dirname, '..');
const SCHEMA_FILE = join(ROOT, 'schema/modelplane.schema.json');
/** The generated types, checked in. */
export const TYPES_FILE = join(ROOT, 'src/frontends/config/generated/modelplane-yaml.ts');
/** The page whose field table is generated. */
export const DOCS_FILE = join(ROOT, 'docs/modelplane-yaml.md');
/** The command that regenerates both. */
export const REGENERATE = 'npm run gen:config-types';

/**
 * The TypeScript name of every object in the schema that gets a type of its own, by JSON pointer,
 * with the doc comment to give it when the schema has no description for it.
 */
const TITLES: Readonly<Record<string, readonly [string, string?]>> = {
  '': ['ModelplaneFile'],
  '/definitions/defaults': ['DefaultsConfig'],
  '/definitions/gpuPool': ['GpuPoolConfig'],
  '/definitions/taint': ['TaintConfig', 'A taint on GPU nodes.'],
  '/definitions/gpu': ['GpuConfig'],
  '/definitions/sparkPod': ['SparkPodConfig', 'Driver or executor resources.'],
  '/definitions/spark': ['SparkConfig'],
  '/definitions/train': ['TrainConfig'],
  '/definitions/dataset': ['DatasetConfig'],
  '/definitions/datasetMount': ['DatasetMountConfig'],
  '/definitions/resources': ['ResourcesConfig', 'CPU, memory and ephemeral storage, as Kubernetes quantities.'],
  '/definitions/model': ['ModelConfig', 'A model: a batch model or an online model, by `type`.'],
  '/definitions/batchModel': ['BatchModelConfig'],
  '/definitions/onlineModel': ['OnlineModelConfig'],
  '/definitions/onlineModel/properties/autoscale/properties/rabbitmq': ['RabbitmqScaleConfig'],
  '/definitions/onlineModel/properties/variants/items': ['VariantConfig', 'A model version of an online model.'],
  '/definitions/modelTest': ['ModelTestConfig'],
  '/definitions/retroTest': ['RetroTestConfig'],
  '/definitions/block': ['BlockConfig', 'A block of a cascade: batch models run in parallel.'],
  '/definitions/cascade': ['CascadeConfig'],
};

const HEADER = `/**
 * GENERATED — do not edit. The types of \`modelplane.yaml\`, generated from schema/modelplane.schema.json
 * (the authority) by scripts/gen-config-types.ts: run \`${REGENERATE}\` after changing the schema.
 * test/mapping-generated.test.ts fails when this file is stale. Import the types from \`../types\`.
 */
`;

function isSchema(x: unknown): x is Schema {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The node a local `$ref` (`#/definitions/...`) points at. */
function resolvePointer(root: Schema, ref: string): Schema {
  let node: unknown = root;
  for (const seg of ref.replace(/^#\//, '').split('/'))
    node = isSchema(node) ? node[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  if (!isSchema(node)) throw new Error(`gen-config-types: unresolvable $ref ${ref}`);
  return node;
}

function isObjectSchema(s: Schema): boolean {
  return s.type === 'object' || s.oneOf !== undefined || s.allOf !== undefined;
}

/**
 * `model` is "name and type, then the batch or online model's fields" (allOf of if/then): as a type,
 * the union of the two, each with the `required` of `model` added.
 */
function flattenModelComposition(root: Schema): void {
  const defs = root.definitions as Record<string, Schema>;
  for (const [key, def] of Object.entries(defs)) {
    const branches = Array.isArray(def.allOf) ? (def.allOf as Schema[]) : [];
    const targets = branches.map((b) => (isSchema(b.then) && typeof b.then.$ref === 'string' ? b.then.$ref : undefined));
    if (branches.length === 0 || !branches.every((b) => isSchema(b.if)) || targets.some((t) => t === undefined)) continue;
    for (const ref of targets as string[]) {
      const target = resolvePointer(root, ref);
      target.required = [...new Set([...((def.required as string[]) ?? []), ...((target.required as string[]) ?? [])])];
    }
    defs[key] = {
      ...(def.description === undefined ? {} : { description: def.description }),
      oneOf: targets.map((ref) => ({ $ref: ref })),
    };
  }
}

/** List lengths, which the types do not express (json-schema-to-typescript would leave them as unknown doc tags). */
const LENGTH_KEYWORDS = ['minItems', 'maxItems'];

/**
 * Inlines `$ref`s to non-object definitions and wraps object `$ref`s that carry their own
 * description; drops the list-length keywords.
 */
function rewriteRefs(root: Schema, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(root, n));
  if (!isSchema(node)) return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (LENGTH_KEYWORDS.includes(k) && typeof v === 'number') continue;
    out[k] = k === 'enum' || k === 'const' || k === 'required' ? v : rewriteRefs(root, v);
  }
  if (typeof out.$ref !== 'string') return out;
  const { $ref, ...siblings } = out;
  const target = resolvePointer(root, $ref as string);
  if (!isObjectSchema(target)) return rewriteRefs(root, { ...target, ...siblings });
  return Object.keys(siblings).length === 0 ? out : { ...siblings, allOf: [{ $ref }] };
}

function applyTitles(root: Schema): void {
  for (const [pointer, [title, description]] of Object.entries(TITLES)) {
    const node = pointer === '' ? root : resolvePointer(root, `#${pointer}`);
    node.title = title;
    if (node.description === undefined && description !== undefined) node.description = description;
  }
  const untitled = Object.entries(root.definitions as Record<string, Schema>)
    .filter(([, d]) => isObjectSchema(d) && typeof d.title !== 'string')
    .map(([k]) => k);
  if (untitled.length > 0) throw new Error(`gen-config-types: give these schema definitions a type name in TITLES: ${untitled.join(', ')}`);
}

/** The schema as json-schema-to-typescript should see it (a rewritten copy; the file is not touched). */
export function typingSchema(): Schema {
  const root = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
  delete root.$id;
  flattenModelComposition(root);
  applyTitles(root);
  const rewritten = rewriteRefs(root, root) as Schema;
  rewritten.definitions = Object.fromEntries(
    Object.entries(rewritten.definitions as Record<string, Schema>).filter(([, d]) => isObjectSchema(d)),
  );
  return rewritten;
}

/** The generated types file, formatted. */
export async function configTypesSource(): Promise<string> {
  const ts = await compile(typingSchema() as never, 'ModelplaneFile', {
    bannerComment: '',
    additionalProperties: false,
    format: false,
    unreachableDefinitions: false,
  });
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(TYPES_FILE)) ?? {};
  return prettier.format(HEADER + ts, { ...options, filepath: TYPES_FILE });
}

/** docs/modelplane-yaml.md with its field table regenerated. */
export function docsWithFields(page: string): string {
  const begin = page.indexOf(FIELDS_BEGIN);
  const end = page.indexOf(FIELDS_END);
  if (begin < 0 || end < begin) throw new Error(`gen-config-types: ${DOCS_FILE} has no ${FIELDS_BEGIN} ... ${FIELDS_END} section`);
  return `${page.slice(0, begin + FIELDS_BEGIN.length)}\n${fieldsMarkdown()}${page.slice(end)}`;
}

async function main(check: boolean): Promise<number> {
  const outputs: Array<[string, string]> = [
    [TYPES_FILE, await configTypesSource()],
    [DOCS_FILE, docsWithFields(readFileSync(DOCS_FILE, 'utf8'))],
  ];
  let stale = 0;
  for (const [file, text] of outputs) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) continue;
    stale++;
    if (check) console.error(`${file.slice(ROOT.length + 1)} is stale: run \`${REGENERATE}\``);
    else writeFileSync(file, text);
  }
  if (!check) console.log(`gen-config-types: ${stale} file(s) written`);
  return check && stale > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.includes('--check')).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(2);
    },
  );
}
