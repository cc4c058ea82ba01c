/**
 * Shrinks a failing case to a small input that fails the same way (FUZZ_MINIMIZE=1): first by removing
 * map entries and list items of the YAML document (whole fields, so the rest stays valid), then by
 * removing lines, keeping each removal that still fails. Bounded by a number of attempts.
 */
import YAML, { isMap, isSeq, YAMLMap, YAMLSeq } from 'yaml';

/** Whether an input still fails the same way. */
export type StillFails = (bytes: Buffer) => Promise<boolean>;

/** A smaller input for which `stillFails` holds (the input itself when nothing smaller does). */
export async function minimize(input: Buffer, stillFails: StillFails, maxAttempts = 400): Promise<Buffer> {
  let best = input;
  let attempts = 0;
  const tryIt = async (candidate: Buffer): Promise<boolean> => {
    if (attempts >= maxAttempts || candidate.length >= best.length) return false;
    attempts++;
    if (await stillFails(candidate)) {
      best = candidate;
      return true;
    }
    return false;
  };
  for (let changed = true; changed && attempts < maxAttempts;) {
    changed = false;
    for (const candidate of structuralCandidates(best)) if (await tryIt(candidate)) changed = true;
    for (const candidate of lineCandidates(best)) if (await tryIt(candidate)) changed = true;
    best = await lastPass(best, tryIt);
  }
  return best;
}

/** The document with one map entry or list item removed, for every entry and item, largest first. */
function* structuralCandidates(bytes: Buffer): Generator<Buffer> {
  const text = bytes.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(bytes) === false) return;
  const doc = YAML.parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return;
  const places: Array<{ size: number; at: number[] }> = [];
  const visit = (node: unknown, at: number[]) => {
    if (isMap(node) || isSeq(node)) {
      (node as YAMLMap | YAMLSeq).items.forEach((item, i) => {
        const value = isMap(node) ? (item as { value: unknown }).value : item;
        places.push({ size: String(value ?? '').length, at: [...at, i] });
        visit(value, [...at, i]);
      });
    }
  };
  visit(doc.contents, []);
  places.sort((a, b) => a.at.length - b.at.length || b.size - a.size);
  for (const p of places) {
    const copy = doc.clone();
    let node: unknown = copy.contents;
    for (const i of p.at.slice(0, -1)) {
      const item = (node as YAMLMap | YAMLSeq).items[i];
      node = isMap(node) ? (item as { value: unknown }).value : item;
    }
    (node as YAMLMap | YAMLSeq).items.splice(p.at[p.at.length - 1]!, 1);
    try {
      yield Buffer.from(copy.toString({ lineWidth: 0 }), 'utf8');
    } catch {
      // an alias left without its anchor: skip
    }
  }
}

/** The bytes with one line removed, for every line, last first. */
function* lineCandidates(bytes: Buffer): Generator<Buffer> {
  const lines = splitLines(bytes);
  for (let i = lines.length - 1; i >= 0; i--) yield Buffer.concat([...lines.slice(0, i), ...lines.slice(i + 1)]);
}

/** Drops comment-only lines in one go, then trailing whitespace. */
async function lastPass(bytes: Buffer, tryIt: (b: Buffer) => Promise<boolean>): Promise<Buffer> {
  let best = bytes;
  const noComments = Buffer.concat(splitLines(best).filter((l) => !/^\s*#/.test(l.toString('latin1'))));
  if (await tryIt(noComments)) best = noComments;
  return best;
}

function splitLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}
