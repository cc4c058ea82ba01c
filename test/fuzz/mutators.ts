/**
 * Mutators: turn a seed file into a fuzz case. Structural mutators work on the parsed YAML document (so a
 * change lands on a real field, and the rest of the file stays valid): change a value's type, drop,
 * duplicate or rename keys, odd numbers, odd strings (Unicode, escapes, templates, very long), deep
 * nesting, anchors and aliases, tags, special keys, bigger lists. Text mutators work on the bytes: binary
 * garbage, invalid UTF-8, control characters, BOMs, UTF-16, tabs, line endings, truncation, several
 * documents, directives, empty and whole-file replacements. A case applies one to three of them.
 *
 * What YAML cannot express through the document model (a lone surrogate escape, an undefined alias, an
 * alias cycle, a billion-laughs bomb, 20,000 levels of flow nesting) is written through placeholders:
 * the mutator stores `FZn_` in the document and the raw text replaces it after stringifying.
 */
import YAML, { isAlias, isMap, isScalar, isSeq, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Rng } from './prng';

/** The state of a case while it is being mutated. */
interface Work {
  /** The file as text (until a mutator makes it bytes). */
  text?: string;
  /** The file as bytes (after a byte-level mutator). */
  bytes?: Buffer;
  /** What was done, for the report. */
  readonly log: string[];
  /** Set by whole-file replacements: nothing else is applied after them. */
  final?: boolean;
}

/** A value's place in the document. */
interface Site {
  /** `models[3].spark.executor.memory`. */
  readonly path: string;
  /** The value node (a scalar, map, seq or alias). */
  readonly node: unknown;
  /** Replaces the value. */
  readonly set: (n: unknown) => void;
  /** The map holding it and its pair, when it is a map value. */
  readonly pair?: Pair;
  /** The collection holding it. */
  readonly parent?: YAMLMap | YAMLSeq;
}

const short = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...(${s.length} chars)` : s;
};

/** Placeholders in a document, replaced by raw text after stringifying. */
class Raw {
  private readonly subs: Array<[string, string]> = [];
  /** A plain scalar standing for raw YAML `text` in value position. */
  node(text: string): Scalar {
    const key = `FZ${this.subs.length}_`;
    this.subs.push([key, text]);
    return new Scalar(key);
  }
  /** A double-quoted scalar `prefix + escape + suffix` (escape is YAML escape text such as `\ud800`). */
  escaped(prefix: string, escape: string, suffix: string): Scalar {
    const key = `FZ${this.subs.length}_`;
    this.subs.push([key, escape]);
    const s = new Scalar(`${prefix}${key}${suffix}`);
    s.type = Scalar.QUOTE_DOUBLE;
    return s;
  }
  /** `text` with every placeholder replaced. */
  apply(text: string): string {
    let out = text;
    for (const [k, v] of this.subs) out = out.split(k).join(v);
    return out;
  }
}

/** Every value site of the document, depth first. */
function sites(doc: YAML.Document): Site[] {
  const out: Site[] = [];
  const visit = (node: unknown, path: string, set: (n: unknown) => void, pair?: Pair, parent?: YAMLMap | YAMLSeq): void => {
    out.push({ path: path || '(document)', node, set, pair, parent });
    if (isMap(node)) {
      for (const p of node.items) {
        const k = isScalar(p.key) ? String(p.key.value) : String(p.key);
        visit(p.value, path ? `${path}.${k}` : k, (n) => (p.value = n), p, node);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}[${i}]`, (n) => (node.items[i] = n), undefined, node));
    }
  };
  visit(doc.contents, '', (n) => (doc.contents = n as YamlNode));
  return out;
}

const scalarSites = (all: Site[]) => all.filter((s) => isScalar(s.node));
const mapSites = (all: Site[]) => all.filter((s) => isMap(s.node) && (s.node as YAMLMap).items.length > 0);
const seqSites = (all: Site[]) => all.filter((s) => isSeq(s.node) && (s.node as YAMLSeq).items.length > 0);

/** Odd numbers, as YAML text. */
const NUMBERS = [
  '9223372036854775808',
  '9223372036854775807',
  '-9223372036854775809',
  '18446744073709551616',
  '2147483647',
  '2147483648',
  '4294967296',
  '-2147483649',
  '9007199254740993',
  '-1',
  '0',
  '-0',
  '0.0001',
  '0.5',
  '1.5',
  '1e308',
  '1e309',
  '-1e308',
  '1e-400',
  '5e-324',
  '.nan',
  '.NaN',
  '.inf',
  '-.inf',
  '0x7fffffff',
  '0xffffffffffffffff',
  '0o777',
  '007',
  '+12',
  '1_000',
  '12e3',
  '"9223372036854775808"',
  '"-1"',
  '"1e308"',
  '".nan"',
  '"NaN"',
  '"Infinity"',
  '" 1 "',
];

/** Escapes of a double-quoted YAML string: control characters, line separators, surrogates, BOM, noncharacters. */
const ESCAPES = [
  '\\0',
  '\\a',
  '\\b',
  '\\e',
  '\\x7f',
  '\\x85',
  '\\N',
  '\\L',
  '\\P',
  '\\_',
  '\\u2028',
  '\\u2029',
  '\\ud800',
  '\\udfff',
  '\\ud83d',
  '\\uFEFF',
  '\\uFFFE',
  '\\uFFFF',
  '\\U0010FFFF',
  '\\U0001F680',
  '\\u202e',
  '\\u200b',
  '\\u0301',
  '\\t',
  '\\n',
  '\\r',
  '\\r\\n',
  '\\\\',
  '\\"',
];

/** Odd literal strings: Unicode, quoting, templates, code injection, secrets, names at the limits. */
const STRINGS = [
  '',
  ' ',
  'a b',
  ' leading',
  'trailing ',
  '🚀',
  '👩‍👩‍👧',
  'modèle',
  'dаta', // Cyrillic а
  'ıi̇',
  'مرحبا',
  'שלום',
  '模型',
  'Churn',
  'UPPER',
  'under_score',
  'dot.ted',
  'sla/sh',
  '-lead',
  'trail-',
  '..',
  '.',
  '-',
  '*',
  '~',
  'null',
  'true',
  'yes',
  'no',
  'on',
  'NaN',
  '0',
  '1e3',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(253),
  'a'.repeat(254),
  `${'a'.repeat(63)}.${'b'.repeat(63)}`,
  'a\\b',
  'C:\\Users\\x',
  '"',
  "'",
  '"\'"',
  '`',
  '{{ ds }}',
  '{{',
  '}}',
  '{% raw %}',
  '{# x #}',
  '${HOME}',
  '$(whoami)',
  '%s%n',
  '"""',
  "'''",
  'x"); import os; os.system("id"); ("',
  "x'); import os; ('",
  '\\',
  '# not a comment',
  'key: value',
  '- item',
  '[a, b]',
  '{a: b}',
  '&anchor',
  '*alias',
  '!tag',
  '@at',
  '<script>',
  'postgresql://user:hunter2@db:5432/mlflow',
  'AKIAIOSFODNN7EXAMPLE',
  's3a://',
  's3a://bucket/../../etc/passwd',
  'models:/',
  'models:/x@',
  'local:///',
  'http://',
  '0 3 * * *',
  '* * * * * *',
  '@daily',
  '61 * * * *',
  '1Gi',
  '1Ti',
  '999999999999Ei',
  '-1',
  '0.5',
  '1e3',
  '100m',
  '0m',
  '1.5Gi',
];

const TAGS = [
  '!!binary',
  '!!timestamp',
  '!!set',
  '!!omap',
  '!!pairs',
  '!!str',
  '!!int',
  '!!float',
  '!!bool',
  '!!null',
  '!!seq',
  '!!map',
  '!custom',
  '!!python/object/apply:os.system',
  'tag:yaml.org,2002:js/undefined',
];

/** Names used by the examples and the platform's own objects (teams, models, pools, namespaces). */
const KNOWN_NAMES = [
  'b2b-scoring',
  'geo-analytics',
  'retail-risk',
  'translation',
  'risk',
  'demo',
  'gpu',
  'ml',
  'lead-score',
  'poi-match',
  'footfall',
  'translate-api',
  'translate-worker',
  'translate-train',
  'nightly',
  'main',
  'canary',
  'mlflow',
  'modelplane-system',
  'airflow',
  'kube-system',
  'default',
  'modelplane-spark',
  'modelplane-dags-risk',
];

const SPECIAL_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '0',
  '1',
  'true',
  'null',
  '<<',
];

/** One draw of an odd string (plain or with an escape). */
function oddString(rng: Rng, raw: Raw, base: string): { node: Scalar; text: string } {
  const where = rng.pick(['replace', 'prefix', 'suffix', 'middle'] as const);
  const cut = Math.floor(base.length / 2);
  const [pre, post] =
    where === 'replace'
      ? ['', '']
      : where === 'prefix'
        ? ['', base]
        : where === 'suffix'
          ? [base, '']
          : [base.slice(0, cut), base.slice(cut)];
  if (rng.chance(0.4)) {
    const esc = rng.pick(ESCAPES);
    return { node: raw.escaped(pre, esc, post), text: `${where} "${esc}"` };
  }
  const s = rng.chance(0.05) ? 'x'.repeat(rng.pick([10_000, 100_000, 1_000_000])) : rng.pick(STRINGS);
  const node = new Scalar(`${pre}${s}${post}`);
  node.type = rng.pick([Scalar.PLAIN, Scalar.QUOTE_DOUBLE, Scalar.QUOTE_SINGLE, Scalar.BLOCK_LITERAL] as const);
  return { node, text: `${where} ${short(s)}` };
}

/** A value of another type than `node`. */
function otherType(rng: Rng, doc: YAML.Document, raw: Raw, node: unknown): { node: unknown; text: string } {
  const choices: Array<[string, () => unknown]> = [
    ['string "abc"', () => doc.createNode('abc')],
    ['empty string', () => doc.createNode('')],
    ['number 0', () => doc.createNode(0)],
    ['number 1', () => doc.createNode(1)],
    ['number -1', () => doc.createNode(-1)],
    ['number 3.5', () => doc.createNode(3.5)],
    ['true', () => doc.createNode(true)],
    ['false', () => doc.createNode(false)],
    ['null', () => raw.node('null')],
    ['~', () => raw.node('~')],
    ['empty value', () => raw.node('')],
    ['[]', () => raw.node('[]')],
    ['{}', () => raw.node('{}')],
    ['["a"]', () => doc.createNode(['a'])],
    ['{a: 1}', () => doc.createNode({ a: 1 })],
    ['the value in a list', () => wrapSeq(node)],
    ['the value in a map', () => wrapMap(node)],
  ];
  const [text, make] = rng.pick(choices);
  return { node: make(), text };
}

/** The plain value of a node (an alias stays unresolved: its text). */
function plain(node: unknown): unknown {
  try {
    return (node as YamlNode).toJSON();
  } catch {
    return String(node);
  }
}

function wrapSeq(node: unknown): YAMLSeq {
  const s = new YAMLSeq();
  s.items.push(node);
  return s;
}

function wrapMap(node: unknown): YAMLMap {
  const m = new YAMLMap();
  m.items.push(new Pair(new Scalar('value'), node));
  return m;
}

/** A typo of a key. */
function typo(rng: Rng, key: string): string {
  if (key.length === 0) return 'x';
  const i = rng.int(0, key.length - 1);
  const kind = rng.int(0, 7);
  switch (kind) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1) || `${key}x`;
    case 1:
      return i + 1 < key.length ? key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2) : `${key}s`;
    case 2:
      return key.slice(0, i) + key[i] + key.slice(i);
    case 3:
      return key[0]!.toUpperCase() + key.slice(1) === key ? key.toLowerCase() : key[0]!.toUpperCase() + key.slice(1);
    case 4:
      return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) === key ? `${key}_` : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    case 5:
      return `${key}s`;
    case 6:
      return `${key} `;
    default:
      return key.replace(/a/, 'а') === key ? `${key}\u00a0` : key.replace(/a/, 'а');
  }
}

type Structural = (rng: Rng, doc: YAML.Document, raw: Raw, all: Site[]) => string | undefined;

/** The structural mutators, with their weights. */
const STRUCTURAL: ReadonlyArray<readonly [number, Structural]> = [
  [
    14,
    (rng, doc, raw, all) => {
      const s = rng.pick(all.filter((x) => x.path !== '(document)').length ? all.filter((x) => x.path !== '(document)') : all);
      const v = otherType(rng, doc, raw, s.node);
      s.set(v.node);
      return `type: ${s.path} -> ${v.text}`;
    },
  ],
  [
    10,
    (rng, _doc, raw, all) => {
      const s = rng.pick(scalarSites(all).length ? scalarSites(all) : all);
      const n = rng.pick(NUMBERS);
      s.set(raw.node(n));
      return `number: ${s.path} -> ${n}`;
    },
  ],
  [
    14,
    (rng, _doc, raw, all) => {
      const ss = scalarSites(all).filter((s) => typeof (s.node as Scalar).value === 'string');
      const s = rng.pick(ss.length ? ss : all);
      const base = isScalar(s.node) ? String((s.node as Scalar).value) : '';
      const v = oddString(rng, raw, base);
      s.set(v.node);
      return `string: ${s.path} ${v.text}`;
    },
  ],
  [
    8,
    (rng, _doc, _raw, all) => {
      const ms = mapSites(all);
      if (!ms.length) return undefined;
      const m = rng.pick(ms).node as YAMLMap;
      const i = rng.int(0, m.items.length - 1);
      const [p] = m.items.splice(i, 1);
      return `drop key: ${short(isScalar(p!.key) ? p!.key.value : p!.key)}`;
    },
  ],
  [
    6,
    (rng, _doc, _raw, all) => {
      const ms = mapSites(all);
      if (!ms.length) return undefined;
      const site = rng.pick(ms);
      const m = site.node as YAMLMap;
      const p = rng.pick(m.items);
      m.items.push(new Pair(p.key, rng.chance(0.5) ? p.value : new Scalar('dup')));
      return `duplicate key: ${site.path}.${short(isScalar(p.key) ? p.key.value : p.key)}`;
    },
  ],
  [
    9,
    (rng, _doc, _raw, all) => {
      const ms = mapSites(all);
      if (!ms.length) return undefined;
      const site = rng.pick(ms);
      const p = rng.pick((site.node as YAMLMap).items);
      const old = isScalar(p.key) ? String(p.key.value) : String(p.key);
      const next = rng.chance(0.3) ? rng.pick(SPECIAL_KEYS) : typo(rng, old);
      p.key = new Scalar(next);
      return `rename key: ${site.path}.${short(old)} -> ${short(next)}`;
    },
  ],
  [
    4,
    (rng, doc, raw, all) => {
      const ms = all.filter((s) => isMap(s.node));
      if (!ms.length) return undefined;
      const site = rng.pick(ms);
      const key = rng.chance(0.5) ? rng.pick(SPECIAL_KEYS) : rng.pick(['[a, b]', '{a: 1}', '1', 'true', '~']);
      const k = SPECIAL_KEYS.includes(key) ? new Scalar(key) : raw.node(key);
      const p = new Pair(k, rng.chance(0.5) ? doc.createNode({ polluted: true }) : new Scalar('x'));
      (site.node as YAMLMap).items.push(p);
      return `special key: ${site.path}.${short(key)}`;
    },
  ],
  [
    6,
    (rng, _doc, _raw, all) => {
      const ss = seqSites(all);
      if (!ss.length) return undefined;
      const site = rng.pick(ss);
      const seq = site.node as YAMLSeq;
      const kind = rng.int(0, 3);
      if (kind === 0) {
        seq.items.splice(rng.int(0, seq.items.length - 1), 1);
        return `drop item: ${site.path}`;
      }
      if (kind === 1) {
        seq.items.reverse();
        return `reverse list: ${site.path}`;
      }
      if (kind === 2) {
        seq.items.length = 0;
        return `empty list: ${site.path}`;
      }
      seq.items.push(rng.pick(seq.items));
      return `duplicate item: ${site.path}`;
    },
  ],
  [
    4,
    (rng, doc, _raw, all) => {
      // Size: many copies of a list item (renamed when they have a name, so they stay distinct).
      const ss = seqSites(all);
      if (!ss.length) return undefined;
      const site = rng.pick(ss);
      const seq = site.node as YAMLSeq;
      const n = rng.pick([20, 100, 300]);
      const item = plain(seq.items[0]);
      for (let i = 0; i < n; i++) {
        const copy = doc.createNode(item);
        if (isMap(copy) && copy.has('name')) copy.set('name', `${String(copy.get('name'))}-${i}`);
        seq.items.push(copy);
      }
      return `grow list: ${site.path} +${n} copies`;
    },
  ],
  [
    3,
    (rng, _doc, raw, all) => {
      const s = rng.pick(all);
      const depth = rng.pick([50, 500, 5000, 50000]);
      const flow = rng.chance(0.5) ? `${'['.repeat(depth)}x${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}x${'}'.repeat(depth)}`;
      s.set(raw.node(flow));
      return `deep nesting: ${s.path} (${depth} levels)`;
    },
  ],
  [
    5,
    (rng, doc, raw, all) => {
      const s = rng.pick(all.filter((x) => x.path !== '(document)').length ? all.filter((x) => x.path !== '(document)') : all);
      const kind = rng.int(0, 4);
      if (kind === 0) {
        s.set(raw.node('*nope'));
        return `undefined alias: ${s.path}`;
      }
      if (kind === 1) {
        s.set(raw.node('&cyc [*cyc]'));
        return `alias cycle: ${s.path}`;
      }
      if (kind === 2) {
        const levels = Array.from(
          { length: 9 },
          (_, i) =>
            `&l${i} [${Array(9)
              .fill(i === 0 ? 'lol' : `*l${i - 1}`)
              .join(', ')}]`,
        );
        s.set(raw.node(`[${levels.join(', ')}]`));
        return `billion laughs: ${s.path}`;
      }
      // A real alias: anchor one node, refer to it from another place.
      const others = all.filter((x) => x !== s && !isAlias(x.node) && x.node && x.path !== '(document)');
      if (!others.length) return undefined;
      const target = rng.pick(others);
      if (!(target.node as YamlNode).anchor) (target.node as YamlNode).anchor = 'fz';
      s.set(doc.createAlias(target.node as Scalar));
      return `alias: ${s.path} -> *${(target.node as YamlNode).anchor} (${target.path})`;
    },
  ],
  [
    3,
    (rng, _doc, _raw, all) => {
      const s = rng.pick(all.filter((x) => !isAlias(x.node) && x.node));
      if (!s) return undefined;
      const tag = rng.pick(TAGS);
      (s.node as YamlNode).tag = tag;
      return `tag: ${s.path} ${tag}`;
    },
  ],
  [
    5,
    (rng, _doc, _raw, all) => {
      // Another value of the same file, or a name of the other examples, in a string field: names that
      // collide (two models, two teams, a cascade naming an online model, a pool of another platform, ...).
      const strings = scalarSites(all).filter((s) => typeof (s.node as Scalar).value === 'string');
      if (strings.length === 0) return undefined;
      const s = rng.pick(strings);
      const pool = [...strings.map((x) => String((x.node as Scalar).value)), ...KNOWN_NAMES];
      const v = rng.pick(pool);
      (s.node as Scalar).value = v;
      return `sibling value: ${s.path} -> ${short(v)}`;
    },
  ],
  [
    3,
    (rng, doc, _raw, all) => {
      // Move a value to another place (a list where a map was, a model where a field was, ...).
      const from = rng.pick(all.filter((x) => x.path !== '(document)' && x.node));
      const to = rng.pick(all.filter((x) => x.path !== '(document)'));
      if (!from || !to || from === to) return undefined;
      to.set(doc.createNode(plain(from.node)));
      return `copy: ${from.path} -> ${to.path}`;
    },
  ],
];

type Textual = (rng: Rng, w: Work) => string | undefined;

const bytesOf = (w: Work): Buffer => w.bytes ?? Buffer.from(w.text ?? '', 'utf8');
const setBytes = (w: Work, b: Buffer) => {
  w.bytes = b;
  w.text = undefined;
};
const setText = (w: Work, t: string) => {
  w.text = t;
  w.bytes = undefined;
};
const lines = (w: Work) => (w.text ?? bytesOf(w).toString('utf8')).split('\n');

/** Whole-file replacements. */
const WHOLE: ReadonlyArray<readonly [string, string]> = [
  ['empty file', ''],
  ['whitespace only', '   \n\n\t\n'],
  ['comment only', '# nothing here\n'],
  ['document marker only', '---\n'],
  ['end marker only', '...\n'],
  ['null document', '~\n'],
  ['"null"', 'null\n'],
  ['empty list', '[]\n'],
  ['empty map', '{}\n'],
  ['a number', '42\n'],
  ['a string', 'hello\n'],
  ['a list', '- a\n- b\n'],
  ['a NUL byte', '\0'],
  ['only a BOM', '\ufeff'],
  ['JSON', '{"team": "risk", "models": []}\n'],
  ['team only', 'team: risk\n'],
  ['models: null', 'team: risk\nmodels:\n'],
];

/** The text mutators, with their weights. */
const TEXTUAL: ReadonlyArray<readonly [number, Textual]> = [
  [
    4,
    (rng, w) => {
      const b = bytesOf(w);
      const at = rng.int(0, b.length);
      setBytes(w, b.subarray(0, at));
      return `truncate at byte ${at} of ${b.length}`;
    },
  ],
  [
    4,
    (rng, w) => {
      const b = bytesOf(w);
      const at = rng.int(0, b.length);
      const junk = Buffer.from(Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255)));
      setBytes(w, Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]));
      return `insert ${junk.length} random bytes at ${at}`;
    },
  ],
  [
    4,
    (rng, w) => {
      const b = bytesOf(w);
      const seqs: Array<[string, number[]]> = [
        ['0xFF', [0xff]],
        ['0xC3 0x28', [0xc3, 0x28]],
        ['encoded surrogate ED A0 80', [0xed, 0xa0, 0x80]],
        ['overlong C0 AF', [0xc0, 0xaf]],
        ['5-byte F8 88 80 80 80', [0xf8, 0x88, 0x80, 0x80, 0x80]],
        ['lone continuation 0x80', [0x80]],
        ['raw NUL', [0]],
        ['raw ESC', [0x1b]],
        ['raw DEL', [0x7f]],
        ['raw U+0085', [0xc2, 0x85]],
        ['raw U+2028', [0xe2, 0x80, 0xa8]],
        ['raw U+FEFF', [0xef, 0xbb, 0xbf]],
        ['raw U+FFFE', [0xef, 0xbf, 0xbe]],
        ['raw NBSP', [0xc2, 0xa0]],
      ];
      const [name, bytes] = rng.pick(seqs);
      // Inside a value most of the time: just after a ": " when there is one.
      const text = b.toString('latin1');
      const colons = [...text.matchAll(/: /g)].map((m) => m.index! + 2);
      const at = colons.length && rng.chance(0.7) ? rng.pick(colons) : rng.int(0, b.length);
      setBytes(w, Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]));
      return `bytes ${name} at ${at}`;
    },
  ],
  [
    3,
    (rng, w) => {
      const b = bytesOf(w);
      const bom = Buffer.from([0xef, 0xbb, 0xbf]);
      const kind = rng.int(0, 3);
      if (kind === 0) setBytes(w, Buffer.concat([bom, b]));
      else if (kind === 1) setBytes(w, Buffer.concat([bom, bom, b]));
      else if (kind === 2) setBytes(w, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]));
      else setBytes(w, Buffer.from(b.toString('utf8'), 'latin1'));
      return ['UTF-8 BOM', 'two UTF-8 BOMs', 'UTF-16LE with BOM', 'Latin-1 encoded'][kind];
    },
  ],
  [
    4,
    (rng, w) => {
      const ls = lines(w);
      const indented = ls.map((l, i) => [l, i] as const).filter(([l]) => /^ +\S/.test(l));
      const kind = rng.int(0, 2);
      if (kind === 0 && indented.length) {
        const [, i] = rng.pick(indented);
        ls[i] = ls[i]!.replace(/^ +/, (m) => '\t'.repeat(Math.max(1, m.length / 2)));
        setText(w, ls.join('\n'));
        return `tab indentation on line ${i + 1}`;
      }
      if (kind === 1) {
        setText(w, ls.map((l) => l.replace(/^( {2})+/, (m) => '\t'.repeat(m.length / 2))).join('\n'));
        return 'tab indentation everywhere';
      }
      setText(w, ls.map((l) => l.replace(/: /, ':\t')).join('\n'));
      return 'tab after every first ": "';
    },
  ],
  [
    2,
    (rng, w) => {
      const t = w.text ?? bytesOf(w).toString('utf8');
      const kind = rng.int(0, 2);
      setText(
        w,
        kind === 0
          ? t.replace(/\n/g, '\r\n')
          : kind === 1
            ? t.replace(/\n/g, '\r')
            : t.replace(/\n/g, (m) => (rng.chance(0.5) ? '\r\n' : m)),
      );
      return ['CRLF line endings', 'CR line endings', 'mixed line endings'][kind];
    },
  ],
  [
    4,
    (rng, w) => {
      const ls = lines(w);
      const i = rng.int(0, Math.max(0, ls.length - 1));
      const kind = rng.int(0, 4);
      if (kind === 0) ls.splice(i, 0, ls[i] ?? '');
      else if (kind === 1) ls.splice(i, 1);
      else if (kind === 2) ls[i] = ` ${ls[i] ?? ''}`;
      else if (kind === 3) ls[i] = (ls[i] ?? '').replace(/^ {1,2}/, '');
      else {
        const j = rng.int(0, Math.max(0, ls.length - 1));
        [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      }
      setText(w, ls.join('\n'));
      return `line ${i + 1}: ${['duplicated', 'deleted', 'indented by one', 'dedented', 'swapped'][kind]}`;
    },
  ],
  [
    4,
    (rng, w) => {
      const t = w.text ?? bytesOf(w).toString('utf8');
      const kind = rng.int(0, 7);
      const out = [
        `${t}\n---\n${t}`,
        `---\n${t}\n...\n`,
        `${t}\n---\n`,
        `%YAML 1.1\n---\n${t}`,
        `%YAML 1.2\n---\n${t}`,
        `%YAML 2.0\n---\n${t}`,
        `%TAG !e! tag:example.com,2000:\n---\n${t}`,
        `--- !!map\n${t}`,
      ][kind]!;
      setText(w, out);
      return [
        'two documents',
        'explicit document markers',
        'an empty second document',
        '%YAML 1.1 directive',
        '%YAML 1.2 directive',
        '%YAML 2.0 directive',
        '%TAG directive',
        'tagged document',
      ][kind];
    },
  ],
  [
    2,
    (rng, w) => {
      const t = w.text ?? bytesOf(w).toString('utf8');
      const ls = t.split('\n');
      const i = rng.int(0, ls.length);
      const top = rng.pick(['team', 'models', 'defaults', 'cascades', 'teams', 'gpuPools', 'mlflow', 'operators']);
      ls.splice(i, 0, `${top}: ${rng.pick(['x', '[]', '{}', '~', '1'])}`);
      setText(w, ls.join('\n'));
      return `raw top-level line "${top}: ..." at line ${i + 1}`;
    },
  ],
  [
    2,
    (rng, w) => {
      const size = rng.pick([1, 16, 512, 4096]);
      setBytes(w, Buffer.from(Array.from({ length: size }, () => rng.int(0, 255))));
      w.final = true;
      return `whole file: ${size} random bytes`;
    },
  ],
  [
    3,
    (rng, w) => {
      const [name, text] = rng.pick(WHOLE);
      setText(w, text);
      w.final = true;
      return `whole file: ${name}`;
    },
  ],
  [
    1,
    (rng, w) => {
      const t = w.text ?? bytesOf(w).toString('utf8');
      setText(w, `${t}\n${`# ${'x'.repeat(1000)}\n`.repeat(rng.pick([100, 2000]))}`);
      return 'a large trailing comment';
    },
  ],
];

/** One structural mutation of `text`; undefined when the text is not a clean YAML document. */
function structural(rng: Rng, text: string): { text: string; log: string } | undefined {
  const doc = YAML.parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0 || !doc.contents) return undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const raw = new Raw();
      const mutated = doc.clone();
      const all = sites(mutated);
      const log = rng.weighted(STRUCTURAL)(rng, mutated, raw, all);
      if (log === undefined) continue;
      return { text: raw.apply(mutated.toString({ lineWidth: 0 })), log };
    } catch {
      // e.g. an alias before its anchor (or one without an anchor, as in a corpus file): the yaml package
      // refuses to write it; draw again.
    }
  }
  return undefined;
}

/** The token a sentinel case appends to one value; accepted output must carry it somewhere. */
export const SENTINEL = 'fz7q';

/**
 * A sentinel case ("nothing lost"): one string value of the file gets the suffix {@link SENTINEL}. When
 * the file is still accepted, the token must appear in the output, or the value was silently dropped.
 */
function sentinel(rng: Rng, text: string): { text: string; log: string; path: string } | undefined {
  const doc = YAML.parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return undefined;
  const candidates = scalarSites(sites(doc)).filter((s) => typeof (s.node as Scalar).value === 'string' && s.pair !== undefined);
  if (candidates.length === 0) return undefined;
  const s = rng.pick(candidates);
  const node = s.node as Scalar;
  node.value = `${String(node.value)}${SENTINEL}`;
  try {
    return { text: doc.toString({ lineWidth: 0 }), log: `sentinel: ${s.path} += "${SENTINEL}"`, path: s.path };
  } catch {
    return undefined; // a document the yaml package cannot write back (an alias without its anchor)
  }
}

/** The bytes of a case: `seed` with one to three mutations (or a sentinel case). */
export function mutate(rng: Rng, seedText: string): { bytes: Buffer; log: string[]; sentinel?: string } {
  if (rng.chance(0.12)) {
    const s = sentinel(rng, seedText);
    if (s) return { bytes: Buffer.from(s.text, 'utf8'), log: [s.log], sentinel: s.path };
  }
  const w: Work = { text: seedText, log: [] };
  const n = rng.weighted([
    [60, 1],
    [30, 2],
    [10, 3],
  ] as const);
  for (let i = 0; i < n && !w.final; i++) {
    const s = w.text !== undefined && rng.chance(0.72) ? structural(rng, w.text) : undefined;
    if (s) {
      setText(w, s.text);
      w.log.push(s.log);
      continue;
    }
    const log = rng.weighted(TEXTUAL)(rng, w);
    if (log) w.log.push(log);
  }
  return { bytes: bytesOf(w), log: w.log };
}
