/**
 * A YAML file parsed with positions: the plain data plus a way to find the line and column of any
 * field path, so every error can point at the place to fix.
 */
import YAML, { isMap, isPair, isScalar, isSeq, LineCounter, Node as YamlNode } from 'yaml';
import type { ConfigIssue } from './errors';

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

/** A parsed YAML source. */
export class YamlSource {
  /** Parses `text`; syntax errors are returned in {@link YamlSource.issues}, not thrown. */
  public static parse(file: string, text: string): YamlSource {
    return new YamlSource(file, text);
  }

  /** The plain data (undefined when the file is empty or unparseable). */
  public readonly data: unknown;
  /** YAML syntax problems (duplicate keys, bad indentation, ...). */
  public readonly issues: readonly ConfigIssue[];
  private readonly doc: YAML.Document.Parsed;
  private readonly lines: LineCounter;

  private constructor(
    public readonly file: string,
    text: string,
  ) {
    this.lines = new LineCounter();
    this.doc = YAML.parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true, strict: true });
    const issues: ConfigIssue[] = [];
    for (const e of this.doc.errors) {
      const { line, col } = this.lines.linePos(e.pos[0]);
      const problem =
        e.code === 'DUPLICATE_KEY' ? 'the same key appears twice in one map' : `is not valid YAML: ${e.message.split('\n')[0]}`;
      const fix =
        e.code === 'DUPLICATE_KEY'
          ? 'keep one of the two entries'
          : 'check the indentation and quoting on this line (strings with ": " or "#" need quotes)';
      issues.push({ file, line, col, path: '', problem, fix });
    }
    this.issues = issues;
    this.data = issues.length === 0 ? this.doc.toJS({ maxAliasCount: 100 }) : undefined;
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
    let node: unknown = this.doc.contents;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
        if (!pair) return false;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        node = node.items[seg];
      } else {
        return false;
      }
    }
    return true;
  }

  /** An issue at `path`. */
  public issue(path: FieldPath, problem: string, fix: string, key = false): ConfigIssue {
    const { line, col } = this.locate(path, key);
    return { file: this.file, line, col, path: formatPath(path), problem, fix };
  }
}

function keyText(k: unknown): string {
  if (isScalar(k)) return String(k.value);
  return String(k);
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as YamlNode | undefined)?.range;
  return r ? r[0] : undefined;
}
