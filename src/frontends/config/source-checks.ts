/**
 * The checks that make {@link YamlSource} read a file faithfully or refuse it, at the place to fix: bytes
 * that are not UTF-8, characters no generated file can carry, nesting deeper than
 * {@link MAX_YAML_NESTING} (found without recursion, before the YAML library recurses), aliases that
 * name no anchor, refer to themselves or expand beyond {@link MAX_YAML_VALUES} values, keys that are not
 * text, and numbers YAML does not read as written (`.nan`, `.inf`, whole numbers beyond 2^53). Each check
 * returns located problems; none throws.
 */
import { Alias, CST, Document, isAlias, isMap, isPair, isScalar, isSeq, Node as YamlNode, Scalar } from 'yaml';
import { renderValue } from '../../core/errors';
import { credentialIn } from '../../core/secrets';
import { characterName, textProblemAt } from '../../core/validate';
import type { FieldPath } from './source';

/**
 * The deepest nesting of lists and maps modelplane reads (the top-level map counts as one level; aliases
 * count as the nesting they stand for). modelplane's own files need fewer than 10 levels; deeper input
 * is refused before the YAML library, which recurses, could run out of stack.
 */
export const MAX_YAML_NESTING = 64;

/**
 * The most values (scalars, lists and maps, each alias counted as the values it stands for) a file may
 * hold: refuses "billion laughs" alias bombs before anything walks the expanded data.
 */
export const MAX_YAML_VALUES = 100_000;

/** A problem at an offset of the text; the caller turns it into a located issue. */
export interface SourceProblem {
  /** Offset in the text (UTF-16 code units). */
  readonly offset: number;
  /** The field path, when known. @default - the problem is about the text, not a field */
  readonly path?: FieldPath;
  /** What is wrong. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
}

// --- bytes ------------------------------------------------------------------------------------------------

/** The decoded text, or where and why the bytes are not UTF-8 (with the line and column of the bad byte). */
export type Decoded =
  { readonly text: string } | { readonly line: number; readonly col: number; readonly problem: string; readonly fix: string };

const UTF8_FIX =
  'save the file as UTF-8 (in most editors: "Save with Encoding" -> UTF-8); to convert a Latin-1 file: iconv -f latin1 -t utf-8 FILE';

/**
 * Decodes UTF-8 bytes strictly (a leading byte order mark is dropped): invalid bytes are refused, not
 * replaced with U+FFFD, naming the byte, its offset (from 0) and its line.
 */
export function decodeUtf8(bytes: Uint8Array): Decoded {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const bad = firstInvalidUtf8(bytes) ?? { offset: 0, reason: 'is not UTF-8' };
    const hex = `0x${(bytes[bad.offset] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i < bad.offset; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const bom = lineStart === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const col = new TextDecoder('utf-8').decode(bytes.subarray(lineStart + bom, bad.offset)).length + 1;
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    const problem = utf16
      ? 'the file is not valid UTF-8: it starts with a UTF-16 byte order mark (the file is UTF-16)'
      : `the file is not valid UTF-8: byte ${hex} at byte offset ${bad.offset} (line ${line}) ${bad.reason}`;
    return { line, col, problem, fix: utf16 ? 'save the file as UTF-8, e.g. iconv -f utf-16 -t utf-8 FILE' : UTF8_FIX };
  }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 character, and why. */
export function firstInvalidUtf8(bytes: Uint8Array): { offset: number; reason: string } | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    const need = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (need === 0) {
      const reason = b <= 0xbf ? 'continues a character that was never started' : 'never appears in UTF-8';
      return { offset: i, reason };
    }
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return { offset: i, reason: 'starts a character the file ends before finishing' };
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return { offset: i, reason: 'starts a character the next byte does not continue' };
      code = (code << 6) | (c & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][need];
    if (code < min) return { offset: i, reason: 'starts an overlong encoding' };
    if (code >= 0xd800 && code <= 0xdfff) return { offset: i, reason: 'encodes a UTF-16 surrogate, which UTF-8 never holds' };
    if (code > 0x10ffff) return { offset: i, reason: 'encodes a code point beyond U+10FFFF' };
    i += need + 1;
  }
  return undefined;
}

// --- text -------------------------------------------------------------------------------------------------

/** At most this many characters are reported per file (each one is a problem of its own). */
const MAX_CHARACTER_PROBLEMS = 20;

/**
 * Characters the file holds that no generated file can carry (control characters but tab and line breaks,
 * U+0085, U+2028/U+2029, a byte order mark after the start, noncharacters, lone surrogates), with their
 * offsets: refused wherever they are, comments included, as other YAML readers (YAML 1.1 takes U+0085 and
 * U+2028 for line breaks) would read the file differently.
 */
export function characterProblems(text: string): SourceProblem[] {
  const out: SourceProblem[] = [];
  let from = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (from < text.length && out.length < MAX_CHARACTER_PROBLEMS) {
    const found = textProblemAt(text.slice(from), { multiline: true });
    if (!found) break;
    const offset = from + found.index;
    const code = text.codePointAt(offset) ?? 0;
    out.push({
      offset,
      problem: `the file contains ${characterName(code)} here, an invisible character no generated file can carry (and YAML readers disagree on: YAML 1.1 takes U+0085 and U+2028 for line breaks)`,
      fix: 'delete the character (most editors do not show it: it is at this line and column) or retype the text around it',
    });
    from = offset + (code > 0xffff ? 2 : 1);
  }
  return out;
}

/** A character problem in a string or a key of the data, at its field path. */
export interface DataTextProblem {
  /** The path of the value (or, with `key`, of the key). */
  readonly path: FieldPath;
  /** The problem is in the key naming the path, not in its value. */
  readonly key: boolean;
  /** What is wrong, with the value. */
  readonly problem: string;
  /** What to do, when it is not the character fix. @default - remove the character */
  readonly fix?: string;
}

/** The fix for a credential found in a value. */
const CREDENTIAL_FIX =
  'keep credentials out of the file: store it in a Kubernetes Secret (kubectl create secret generic NAME --from-literal=KEY=...) and name the Secret where the field takes one; modelplane never writes a credential into its output';

/**
 * The strings and keys of the data (as the constructs receive it) checked with `textProblem`: line breaks
 * only where `multiline(path)` allows them. Escapes (`"\0"`, `"\N"`, `"\L"`) and block scalars are caught here.
 */
export function dataTextProblems(data: unknown, multiline: (path: FieldPath) => boolean): DataTextProblem[] {
  const out: DataTextProblem[] = [];
  const walk = (value: unknown, path: Array<string | number>): void => {
    if (out.length >= MAX_CHARACTER_PROBLEMS) return;
    if (typeof value === 'string') {
      const found = textProblemAt(value, { multiline: multiline(path) });
      if (found) out.push({ path, key: false, problem: `= ${renderValue(value)} ${found.problem}` });
      const credential = credentialIn(value);
      if (credential) out.push({ path, key: false, problem: `= <redacted> holds ${credential}`, fix: CREDENTIAL_FIX });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, item] of Object.entries(value)) {
        const found = textProblemAt(k);
        if (found) out.push({ path: [...path, k], key: true, problem: `has a key ${renderValue(k)} that ${found.problem}` });
        walk(item, [...path, k]);
      }
    }
  };
  walk(data, []);
  return out;
}

// --- tabs -------------------------------------------------------------------------------------------------

/** At most this many tab-indented lines are reported (each is a problem of its own). */
const MAX_TAB_PROBLEMS = 5;

/**
 * Lines indented with a tab (YAML indents with spaces only), one problem each. The YAML library reports a
 * tab in the indentation as an error and then a cascade of others on every line after it (maps that do
 * not line up, keys it cannot read), so when the file has syntax errors the caller reports these instead,
 * with the errors before the first tab.
 */
export function tabIndentProblems(text: string): SourceProblem[] {
  const out: SourceProblem[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const indent = /^[ \t]*/.exec(line)![0];
    const tab = indent.indexOf('\t');
    if (tab >= 0 && indent.length < line.replace(/\r$/, '').length && out.length < MAX_TAB_PROBLEMS) {
      out.push({
        offset: offset + tab,
        problem: 'is indented with a tab; YAML indents with spaces only, and one tab breaks the reading of every line after it',
        fix: 'replace the tab with spaces, as many as the lines around it use (most editors can insert spaces for Tab in YAML files)',
      });
    }
    offset += line.length + 1;
  }
  return out;
}

// --- nesting ----------------------------------------------------------------------------------------------

const NESTING_FIX = `flatten the structure: modelplane reads at most ${MAX_YAML_NESTING} levels of lists and maps (its own fields need fewer than 10)`;

/**
 * The first collection nested deeper than {@link MAX_YAML_NESTING} in the parsed token tree, found with an
 * explicit stack (the token tree is built without recursion, so 10,000 levels cost nothing).
 */
export function nestingProblem(tokens: readonly CST.Token[]): SourceProblem | undefined {
  const stack: Array<[CST.Token, number]> = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    if (token.type === 'document') {
      if (token.value) stack.push([token.value, depth]);
      continue;
    }
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    const level = depth + 1;
    if (level > MAX_YAML_NESTING) {
      return { offset: token.offset, problem: `nests lists and maps more than ${MAX_YAML_NESTING} levels deep`, fix: NESTING_FIX };
    }
    for (const item of token.items as Array<{ key?: CST.Token | null; value?: CST.Token }>) {
      if (item.key) stack.push([item.key, level]);
      if (item.value) stack.push([item.value, level]);
    }
  }
  return undefined;
}

// --- the composed document ----------------------------------------------------------------------------------

/** How deep and how large a node is, aliases counted as what they stand for. */
interface Shape {
  readonly depth: number;
  readonly size: number;
}

const EMPTY: Shape = { depth: 0, size: 1 };

/**
 * Walks the composed document once (recursion bounded by the nesting checked before): resolves every
 * alias (none may be missing, refer to its own anchor, or take the data beyond {@link MAX_YAML_NESTING}
 * levels or {@link MAX_YAML_VALUES} values), refuses keys that are not text and numbers YAML did not read
 * as written, and turns whole numbers (parsed as BigInt) back into numbers. `text` gives what was written.
 */
export function documentProblems(doc: Document, text: string): SourceProblem[] {
  const walker = new DocumentWalker(doc, text);
  if (doc.contents) walker.visit(doc.contents as YamlNode, [], 0);
  return walker.problems;
}

/** The state of one {@link documentProblems} walk. */
class DocumentWalker {
  public readonly problems: SourceProblem[] = [];
  private readonly shapes = new Map<unknown, Shape>();
  private readonly open = new Set<unknown>();
  private values = 0;
  private tooMany = false;
  private tooDeep = false;

  constructor(
    private readonly doc: Document,
    private readonly text: string,
  ) {}

  /** The shape of `node` at `path`, `level` collections down. */
  public visit(node: YamlNode | null | undefined, path: FieldPath, level: number): Shape {
    if (node === null || node === undefined) return EMPTY;
    if (isAlias(node)) return this.alias(node, path, level);
    if (isScalar(node)) {
      this.count(1, node);
      this.scalar(node, path);
      return EMPTY;
    }
    if (!isMap(node) && !isSeq(node)) return EMPTY;
    this.count(1, node);
    this.open.add(node);
    let depth = 0;
    let size = 1;
    node.items.forEach((item: unknown, i: number) => {
      let child: Shape;
      if (isPair(item)) {
        const key = this.key(item.key, path);
        child = this.visit(item.value as YamlNode | null, key === undefined ? path : [...path, key], level + 1);
      } else {
        child = this.visit(item as YamlNode, [...path, i], level + 1);
      }
      depth = Math.max(depth, child.depth);
      size += child.size;
    });
    this.open.delete(node);
    const shape = { depth: depth + 1, size };
    this.shapes.set(node, shape);
    return shape;
  }

  private alias(node: Alias, path: FieldPath, level: number): Shape {
    const target = node.resolve(this.doc);
    const name = `*${node.source}`;
    if (!target) {
      this.fail(
        node,
        path,
        `is the alias ${name}, but no anchor &${node.source} is defined before it`,
        `define the anchor first (&${node.source} on an earlier value), or write the value here`,
      );
      return EMPTY;
    }
    if (this.open.has(target)) {
      this.fail(
        node,
        path,
        `is the alias ${name} inside the value its anchor &${node.source} names: the value would contain itself`,
        'write the value out, or point the alias at another anchor',
      );
      return EMPTY;
    }
    const shape = this.shapes.get(target) ?? EMPTY;
    this.count(shape.size, node);
    if (!this.tooDeep && level + shape.depth > MAX_YAML_NESTING) {
      this.tooDeep = true;
      const problem = `is the alias ${name}, which nests lists and maps more than ${MAX_YAML_NESTING} levels deep where it stands`;
      this.fail(node, path, problem, NESTING_FIX);
    }
    return shape;
  }

  private count(values: number, node: YamlNode): void {
    this.values += values;
    if (this.values <= MAX_YAML_VALUES || this.tooMany) return;
    this.tooMany = true;
    const what = isAlias(node) ? `the alias *${node.source} here brings the file to` : 'at this value, the file holds';
    const problem = `${what} more than ${MAX_YAML_VALUES} values (counting every value an alias stands for)`;
    this.fail(node, undefined, problem, 'write smaller files; aliases that repeat other aliases multiply their values');
  }

  /** The key's text, or undefined (with a problem) when it is not text. */
  private key(key: unknown, path: FieldPath): string | undefined {
    if (isScalar(key) && typeof key.value === 'string') return key.value;
    const node = key as YamlNode | null;
    const written = node?.range ? this.text.slice(node.range[0], node.range[1]).trim() : '';
    const read = (v: unknown) => (v === null ? 'null' : typeof v === 'bigint' ? 'a number' : `${typeof v} ${String(v)}`);
    const problem = isScalar(key)
      ? `has the key ${written || '(empty)'}, which YAML reads as ${read(key.value)}, not text`
      : 'has a key that is a list, a map or an alias, not text';
    this.fail(node, path, problem, written ? `quote the key: "${written.replace(/"/g, '\\"')}"` : 'write the key as text');
    return undefined;
  }

  private scalar(node: Scalar, path: FieldPath): void {
    const written = node.range ? this.text.slice(node.range[0], node.range[1]).trim() : String(node.value);
    if (typeof node.value === 'bigint') {
      const n = Number(node.value);
      node.value = n;
      if (Number.isSafeInteger(n)) return;
      const problem = `= ${written}: YAML reads this whole number as ${String(n)}, rounded (whole numbers beyond 2^53 = 9007199254740992 lose digits)`;
      this.fail(node, path, problem, `quote it ("${written}") where a field takes text or a quantity, or write a smaller number`);
    } else if (typeof node.value === 'number' && !Number.isFinite(node.value)) {
      const what = Number.isNaN(node.value) ? 'not-a-number' : node.value > 0 ? 'infinity' : 'minus infinity';
      this.fail(
        node,
        path,
        `= ${written}: YAML read \`${written}\` as ${what}, which no field takes`,
        `write a number, or quote it ("${written}") if you mean the text`,
      );
    }
  }

  private fail(node: YamlNode | null | undefined, path: FieldPath | undefined, problem: string, fix: string): void {
    this.problems.push({ offset: node?.range?.[0] ?? 0, path, problem, fix });
  }
}
