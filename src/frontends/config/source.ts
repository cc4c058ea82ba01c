/**
 * A YAML file parsed with positions: the plain data plus a way to find the line and column of any
 * field path, so every error can point at the place to fix.
 */
import YAML, { Composer, CST, isMap, isPair, isScalar, isSeq, LineCounter, Node as YamlNode, Parser, YAMLParseError } from 'yaml';
import type { ConfigIssue } from './errors';
import {
  characterProblems,
  dataTextProblems,
  decodeUtf8,
  documentProblems,
  nestingProblem,
  SourceProblem,
  tabIndentProblems,
} from './source-checks';

export { MAX_YAML_NESTING, MAX_YAML_VALUES } from './source-checks';

/** A path into the data: map keys and list indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** Renders a path as `models[3].spark.executor.memory`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Parses `models[3].spark.executor.memory` (and `a["b.c"]`) back into a path. */
export function parsePath(text: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

/** How a loader reads its kind of file. */
export interface YamlSourceOptions {
  /** Whether the string at `path` may hold line breaks (e.g. a CSV). @default - nowhere */
  readonly multiline?: (path: FieldPath) => boolean;
}

/** How the YAML library composes every file: YAML 1.2 core schema, no YAML 1.1 tags, duplicate keys and whole numbers kept exact. */
const COMPOSE_OPTIONS = {
  prettyErrors: false,
  uniqueKeys: true,
  strict: true,
  version: '1.2',
  schema: 'core',
  merge: false,
  resolveKnownTags: false,
  intAsBigInt: true,
} as const;

/**
 * A parsed YAML source. It never throws and never silently changes the input: bytes that are not UTF-8,
 * characters no generated file can carry (checked with `textProblem`, line breaks only where
 * {@link YamlSourceOptions.multiline} allows), nesting beyond {@link MAX_YAML_NESTING} levels, alias errors and
 * alias bombs (beyond {@link MAX_YAML_VALUES} values), unknown tags (the library's warnings), keys that are not
 * text, and numbers YAML does not read as written (`.nan`, `.inf`, whole numbers beyond 2^53) are issues, located.
 * A byte order mark at the start is accepted.
 */
export class YamlSource {
  /** Parses `text` (or UTF-8 bytes, decoded strictly); every problem is returned in {@link YamlSource.issues}, none thrown. */
  public static parse(file: string, text: string | Uint8Array, options: YamlSourceOptions = {}): YamlSource {
    return new YamlSource(file, text, options);
  }

  /** The plain data (undefined when the file is empty or has issues). */
  public readonly data: unknown;
  /** Problems with the file as YAML (syntax, duplicate keys, encoding, characters, aliases, tags, ...). */
  public readonly issues: readonly ConfigIssue[];
  private readonly doc: YAML.Document;
  private readonly lines: LineCounter;
  private readonly text: string = '';

  private constructor(
    public readonly file: string,
    input: string | Uint8Array,
    options: YamlSourceOptions,
  ) {
    this.lines = new LineCounter();
    const decoded = typeof input === 'string' ? { text: input } : decodeUtf8(input);
    if (!('text' in decoded)) {
      this.doc = new YAML.Document();
      this.issues = [{ file, line: decoded.line, col: decoded.col, path: '', problem: decoded.problem, fix: decoded.fix }];
      return;
    }
    const text = decoded.text;
    this.text = text;
    const tokens = Array.from(new Parser(this.lines.addNewLine).parse(text));
    const early = [...characterProblems(text), ...[nestingProblem(tokens)].filter((p) => p !== undefined)];
    if (early.length > 0) {
      this.doc = new YAML.Document();
      this.issues = early.map((p) => this.located(p));
      return;
    }
    this.doc = composeOne(tokens, text.length);
    try {
      const syntax = this.syntaxIssues(text);
      const found = syntax.length > 0 ? syntax : documentProblems(this.doc, text).map((p) => this.located(p));
      const data = found.length === 0 ? this.doc.toJS({ maxAliasCount: -1 }) : undefined;
      const multiline = options.multiline ?? (() => false);
      const texts = dataTextProblems(data, multiline).map((t) => this.issue(t.path, t.problem, t.fix ?? TEXT_FIX, t.key));
      this.issues = [...found, ...texts];
      this.data = this.issues.length === 0 ? data : undefined;
    } catch (e) {
      // Not expected (every known failure is an issue above); a file is never a reason to crash.
      const problem = `cannot be read as YAML (${(e as Error).message.split('\n')[0]})`;
      this.issues = [{ file, line: 1, col: 1, path: '', problem, fix: 'simplify the file; if it is valid YAML, please report this' }];
    }
  }

  /**
   * The library's errors and warnings (unknown tags, bad directives), and a `%YAML` version other than 1.2.
   * When a line is indented with a tab, that line is the problem: the errors after it are its cascade.
   */
  private syntaxIssues(text: string): ConfigIssue[] {
    const issues: ConfigIssue[] = [];
    const tabs = this.doc.errors.length > 0 ? tabIndentProblems(text) : [];
    // The errors from the first tab-indented line on are the tab's.
    const cascade = tabs.length > 0 ? text.lastIndexOf('\n', tabs[0].offset - 1) + 1 : Infinity;
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      if (e.pos[0] >= cascade) continue;
      const { line, col } = this.lines.linePos(e.pos[0]);
      issues.push({ file: this.file, line, col, path: '', ...yamlErrorWords(e.code, e.message) });
    }
    issues.push(...tabs.map((t) => this.located(t)));
    const version = this.doc.directives?.yaml;
    if (version?.explicit && version.version !== '1.2') {
      issues.push({
        file: this.file,
        line: 1,
        col: 1,
        path: '',
        problem: `asks for YAML ${version.version} (%YAML directive); modelplane reads YAML 1.2, where yes/no, 0777 and 1:30 mean other values`,
        fix: 'remove the %YAML line',
      });
    }
    return issues;
  }

  private located(p: SourceProblem): ConfigIssue {
    const { line, col } = this.lines.linePos(p.offset);
    return { file: this.file, line: line || 1, col: col || 1, path: p.path ? formatPath(p.path) : '', problem: p.problem, fix: p.fix };
  }

  /**
   * Line and column of the value at `path`; with `key`, of the key naming it instead. Falls back to
   * the nearest ancestor that exists (a missing field is reported where it should be added).
   */
  public locate(path: FieldPath, key = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let best: number | undefined = rangeStart(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) break;
        if (last && key) {
          best = rangeStart(pair.key) ?? best;
          node = undefined;
          break;
        }
        node = pair.value;
        best = rangeStart(pair.value) ?? rangeStart(pair.key) ?? best;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
        best = rangeStart(node) ?? best;
      } else {
        break;
      }
    }
    if (best === undefined) return { line: 1, col: 1 };
    return this.lines.linePos(best);
  }

  /** True when the file has a value at `path`. */
  public has(path: FieldPath): boolean {
    return this.nodeAt(path) !== undefined;
  }

  /** The text written for the scalar at `path` (`3.10` where YAML read the number 3.1), or undefined when there is none. */
  public written(path: FieldPath): string | undefined {
    const node = this.nodeAt(path);
    if (node === null) return '';
    if (!isScalar(node) || !node.range) return undefined;
    return this.text.slice(node.range[0], node.range[1]).trim();
  }

  /** The node at `path`: undefined when the path does not exist, null for a key written without a value. */
  private nodeAt(path: FieldPath): unknown {
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return undefined;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
      } else {
        return undefined;
      }
    }
    return node;
  }

  /** An issue at `path`. */
  public issue(path: FieldPath, problem: string, fix: string, key = false): ConfigIssue {
    const { line, col } = this.locate(path, key);
    return { file: this.file, line, col, path: formatPath(path), problem, fix };
  }
}

/** The fix of a character problem in a value or key. */
const TEXT_FIX = 'remove the character (write plain text; tabs are fine, and line breaks where a field holds several lines)';

/** The one document of the tokens (a second one is an error, as in YAML.parseDocument). */
function composeOne(tokens: readonly CST.Token[], end: number): YAML.Document {
  const composer = new Composer(COMPOSE_OPTIONS);
  let doc: YAML.Document.Parsed | undefined;
  try {
    for (const d of composer.compose(tokens, true, end)) {
      if (!doc) {
        doc = d;
      } else {
        doc.errors.push(new YAMLParseError([d.range[0], d.range[1]], 'MULTIPLE_DOCS', 'the file holds more than one YAML document'));
        break;
      }
    }
  } catch (e) {
    // Not expected (the library reports its errors on the document); a file is never a reason to crash.
    const failed = new YAML.Document();
    failed.errors.push(new YAMLParseError([0, 0], 'IMPOSSIBLE', (e as Error).message));
    return failed;
  }
  return doc ?? new YAML.Document();
}

/** How an error (or warning) of the YAML library is worded. */
function yamlErrorWords(code: string, message: string): { problem: string; fix: string } {
  const first = message.split('\n')[0];
  if (code === 'DUPLICATE_KEY') return { problem: 'the same key appears twice in one map', fix: 'keep one of the two entries' };
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = first.replace(/^Unresolved tag: /, '').replace(/^tag:yaml\.org,2002:/, '!!');
    return {
      problem: `has the tag ${tag}, which modelplane does not know (it would be ignored, and the value read as plain text)`,
      fix: 'remove the tag; modelplane reads plain YAML values (!!str, !!int, !!float, !!bool, !!null, !!seq and !!map are fine)',
    };
  }
  if (code === 'MULTIPLE_DOCS')
    return { problem: 'the file holds more than one YAML document (a second "---")', fix: 'keep one document per file' };
  return {
    problem: `is not valid YAML: ${first}`,
    fix: 'check the indentation and quoting on this line (strings with ": " or "#" need quotes)',
  };
}

function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as YamlNode | undefined)?.range;
  return r ? r[0] : undefined;
}
