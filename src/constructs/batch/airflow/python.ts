/**
 * Python source helpers for generated DAG files: literals that are valid, deterministic and
 * flake8-clean (double-quoted strings, one element per line when a list or dict would pass 79 columns).
 * One escaping function per target: {@link pyStr} for string literals (any string, lone surrogates
 * included, evaluates back to itself), {@link pyDocLines} for docstring prose.
 */

/** Python's default line limit (flake8 E501). */
export const MAX_LINE = 79;

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

/** A `\u`/`\U` escape of a code point (lower-case hex, like JSON). */
function unicodeEscape(code: number): string {
  return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The pieces of a Python string literal's body, one per code point of `value` (a lone surrogate is
 * one piece): printable ASCII as it is, quote and backslash escaped, everything else as an escape
 * (`\n`, `\u00e9`, `\U0001f600` — never a surrogate pair, which Python would read as two characters).
 */
function pyStrPieces(value: string): string[] {
  const out: string[] = [];
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out.push(SHORT_ESCAPES[code] ?? (code >= 0x20 && code < 0x7f ? ch : unicodeEscape(code)));
  }
  return out;
}

/** A Python string literal: double-quoted printable ASCII that evaluates to `value`, whatever it holds. */
export function pyStr(value: string): string {
  return `"${pyStrPieces(value).join('')}"`;
}

/**
 * A string literal that fits in 79 columns: on one line when `used` (columns taken before it, plus one
 * after it for a comma) leaves room, otherwise a parenthesised run of adjacent literals (which Python
 * joins into one string), one per line at `indent + 4`, broken after spaces where it can be.
 */
export function pyStrFitted(value: string, indent: number, used: number): string {
  const one = pyStr(value);
  if (used + one.length + 1 <= MAX_LINE) return one;
  const width = MAX_LINE - indent - 4 - 2;
  const lines: string[] = [];
  let line: string[] = [];
  let length = 0;
  for (const piece of pyStrPieces(value)) {
    while (length + piece.length > width && line.length > 0) {
      const lastSpace = line.lastIndexOf(' ');
      const cut = lastSpace >= 0 ? lastSpace + 1 : line.length;
      lines.push(line.slice(0, cut).join(''));
      line = line.slice(cut);
      length = line.join('').length;
    }
    line.push(piece);
    length += piece.length;
  }
  lines.push(line.join(''));
  const pad = ' '.repeat(indent + 4);
  return `(\n${lines.map((l) => `${pad}"${l}"\n`).join('')}${' '.repeat(indent)})`;
}

/**
 * A Python literal of a JSON-like value: None, True/False, numbers, strings, lists, dicts. `used` is
 * the number of columns already taken on the first line (indent plus any prefix) and after the
 * value (a trailing comma): the literal stays on one line when it fits in 79 columns, and otherwise
 * puts one element per line.
 */
export function pyValue(value: unknown, indent = 0, used = indent): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`pyValue: ${value} has no Python literal`);
    return String(value);
  }
  if (typeof value === 'string') return pyStr(value);
  const pad = ' '.repeat(indent + 4);
  const end = ' '.repeat(indent);
  const fits = (flat: string) => !flat.includes('\n') && used + flat.length + 1 <= MAX_LINE;
  if (Array.isArray(value)) {
    const flat = `[${value.map((v) => pyValue(v, 0, MAX_LINE)).join(', ')}]`;
    if (value.length === 0 || fits(flat)) return flat;
    return `[\n${value.map((v) => `${pad}${pyValue(v, indent + 4)},\n`).join('')}${end}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const flat = `{${entries.map(([k, v]) => `${pyStr(k)}: ${pyValue(v, 0, MAX_LINE)}`).join(', ')}}`;
    if (entries.length === 0 || fits(flat)) return flat;
    return `{\n${entries
      .map(([k, v]) => {
        const prefix = `${pad}${pyStr(k)}: `;
        return `${prefix}${pyValue(v, indent + 4, prefix.length + 1)},\n`;
      })
      .join('')}${end}}`;
  }
  throw new Error(`pyValue: unsupported ${typeof value}`);
}

/** Wraps prose into `#` comment lines of at most 79 columns. */
export function pyComment(text: string, indent = 0): string {
  const width = MAX_LINE - indent - 2;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => `${' '.repeat(indent)}# ${l}`).join('\n');
}

/** True for a code point a docstring writes as an escape: controls, separators, BOM, noncharacters, lone surrogates. */
function docNeedsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    code === 0xfffe ||
    code === 0xffff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

/**
 * One word of docstring prose as pieces of Python source, one per code point: a backslash doubled,
 * the third of three quotes in a row escaped (so the word never closes the docstring), every code
 * point {@link docNeedsEscape} names as an escape, everything else (emoji included) as it is.
 */
function docPieces(word: string): string[] {
  const out: string[] = [];
  let quotes = 0;
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') {
      out.push(quotes >= 2 ? '\\"' : '"');
      quotes = quotes >= 2 ? 0 : quotes + 1;
      continue;
    }
    quotes = 0;
    if (ch === '\\') out.push('\\\\');
    else if (docNeedsEscape(code)) out.push(code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : unicodeEscape(code));
    else out.push(ch);
  }
  return out;
}

/** A word's pieces cut into chunks of at most `width` columns (escapes never split). */
function chunks(pieces: readonly string[], width: number): string[] {
  const out: string[] = [];
  let chunk = '';
  for (const p of pieces) {
    if (chunk && chunk.length + p.length > width) {
      out.push(chunk);
      chunk = '';
    }
    chunk += p;
  }
  if (chunk) out.push(chunk);
  return out;
}

/**
 * Wraps prose into docstring lines of at most 79 columns (the first line has `firstLineUsed` columns
 * less). Paragraphs are split at line breaks, words at white space; each word is escaped for a
 * docstring (see {@link docPieces}) and a word longer than a line is cut. Any text gives lines that
 * are valid inside a `"""` docstring.
 */
export function pyDocLines(text: string, indent = 0, firstLineUsed = 0): string[] {
  let width = MAX_LINE - indent - firstLineUsed;
  const out: string[] = [];
  for (const para of text.split(/\r\n|\r|\n/)) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      // A word longer than a line is cut into parts, each on a line of its own (no space is added).
      chunks(docPieces(word), MAX_LINE - indent - firstLineUsed).forEach((part, i) => {
        if (line && (i > 0 || line.length + 1 + part.length > width)) {
          out.push(line);
          width = MAX_LINE - indent;
          line = part;
        } else line = line ? `${line} ${part}` : part;
      });
    }
    out.push(line);
    width = MAX_LINE - indent;
  }
  return out.map((l) => (l ? `${' '.repeat(indent)}${l}` : ''));
}
