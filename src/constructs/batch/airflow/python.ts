/**
 * Python source helpers for generated DAG files: literals that are valid, deterministic and
 * flake8-clean (double-quoted strings, one element per line when a list or dict would pass 79 columns).
 */

/** Python's default line limit (flake8 E501). */
export const MAX_LINE = 79;

/** A Python string literal (JSON string syntax is valid Python for the characters we emit). */
export function pyStr(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
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

/** Wraps prose into docstring lines of at most 79 columns (no triple quotes inside). */
export function pyDocLines(text: string, indent = 0, firstLineUsed = 0): string[] {
  let width = MAX_LINE - indent - firstLineUsed;
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        width = MAX_LINE - indent;
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
    width = MAX_LINE - indent;
  }
  return out.map((l) => (l ? `${' '.repeat(indent)}${l.replace(/"""/g, "'''")}` : ''));
}
