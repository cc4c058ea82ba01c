/**
 * The policy tier's judge: reads the JSON reports of kube-score and Checkov over a directory of
 * synthesized manifests, attributes every result to the object it is about (by file and line, so pod
 * templates and names with dots map back to their owner), applies policy/allowlist.yaml, and decides.
 *
 * The tier fails when a check fails and no allowlist entry covers it, when an allowlist entry covers
 * nothing (a stale entry hides the next real finding), when the allowlist is malformed, or when a tool
 * produced no usable report (a tool that silently checks nothing must not look green).
 *
 * CLI (run by scripts/policy/run.sh):
 *   ts-node test/policy-tools/evaluate.ts --dir DIR --kube-score KS.json --checkov CK.json \
 *     --allowlist policy/allowlist.yaml [--report OUT.json]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import YAML, { LineCounter } from 'yaml';

/** The tools the tier runs. */
export const TOOLS = ['kube-score', 'checkov'] as const;
/** One of {@link TOOLS}. */
export type Tool = (typeof TOOLS)[number];

/** Identity of one Kubernetes object in the scanned directory. */
export interface ObjectRef {
  /** `kind` of the object. */
  readonly kind: string;
  /** `metadata.namespace`, or '' for cluster-scoped objects. */
  readonly namespace: string;
  /** `metadata.name`. */
  readonly name: string;
  /** `apiVersion` of the object. */
  readonly apiVersion: string;
  /** Base name of the file that holds it. */
  readonly file: string;
  /** First and last line (1-based) of its YAML document. */
  readonly lines: readonly [number, number];
  /** For a pod extracted from a custom resource: `Kind/namespace/name` of that resource (see crpods.ts). */
  readonly source?: string;
  /** For an extracted pod whose image the operator picks at run time (KServe model runtimes): image checks do not apply. */
  readonly imageFromRuntime?: boolean;
}

/** One check run by one tool on one object. */
export interface CheckResult {
  /** The tool. */
  readonly tool: Tool;
  /** Check id, e.g. `pod-networkpolicy` or `CKV_K8S_43`. */
  readonly check: string;
  /** Human-readable title of the check. */
  readonly title: string;
  /** The object the result is about. */
  readonly object: ObjectRef;
  /** `passed`, `failed` or `skipped` (by the tool). */
  readonly outcome: 'passed' | 'failed' | 'skipped';
  /** Why it failed, for the summary. */
  readonly detail: string;
}

/** One allowlist entry. Patterns are globs where `*` matches any run of characters. */
export interface AllowEntry {
  /** The tool whose check is waived. */
  readonly tool: Tool;
  /** Check id (glob). */
  readonly check: string;
  /** Object kind (glob). */
  readonly kind: string;
  /** Object namespace (glob; '' matches cluster-scoped objects only). */
  readonly namespace: string;
  /** Object name (glob). */
  readonly name: string;
  /** Why this is acceptable; required. */
  readonly reason: string;
}

/** The outcome of a policy run. */
export interface Verdict {
  /** Per tool: checks run, passed, failed, allowlisted, skipped (by the tool), objects scored. */
  readonly stats: Record<Tool, { run: number; passed: number; failed: number; allowlisted: number; skipped: number; objects: number }>;
  /** Failed results no entry covers. */
  readonly violations: readonly CheckResult[];
  /** Failed results covered by an entry, with the entry's index. */
  readonly waived: readonly { result: CheckResult; entry: number }[];
  /** Indexes of entries that matched no failed result. */
  readonly stale: readonly number[];
  /** Kinds in the directory that a tool scored no check on, with counts. */
  readonly unscored: Record<Tool, Record<string, number>>;
  /** Problems with the tools' reports themselves (no results, parse errors). */
  readonly toolErrors: readonly string[];
  /** True when the tier passes. */
  readonly ok: boolean;
}

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads every `*.yaml`/`*.yml`/`*.json` manifest file of `dir` (sorted) and indexes its objects with their line ranges. */
export function loadObjects(dir: string): ObjectRef[] {
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml)$/.test(f))
    .sort();
  const out: ObjectRef[] = [];
  for (const f of files) out.push(...objectsOfText(f, readFileSync(join(dir, f), 'utf8')));
  return out;
}

/** The objects of one multi-document YAML text. */
export function objectsOfText(file: string, text: string): ObjectRef[] {
  const lc = new LineCounter();
  const docs = YAML.parseAllDocuments(text, { lineCounter: lc });
  const out: ObjectRef[] = [];
  for (const doc of docs) {
    if ('errors' in doc && doc.errors.length > 0) throw new Error(`${file}: YAML error: ${doc.errors[0].message}`);
    const obj = doc.toJS() as unknown;
    if (!isObj(obj) || !doc.contents || !doc.range) continue;
    const start = lc.linePos(doc.contents.range[0]).line;
    const end = lc.linePos(Math.max(doc.range[1] - 1, doc.contents.range[0])).line;
    const md = isObj(obj.metadata) ? obj.metadata : {};
    const ann = isObj(md.annotations) ? md.annotations : {};
    out.push({
      kind: String(obj.kind ?? ''),
      namespace: String(md.namespace ?? ''),
      name: String(md.name ?? ''),
      apiVersion: String(obj.apiVersion ?? ''),
      file,
      lines: [start, end],
      ...(typeof ann['modelplane.dev/policy-source'] === 'string' ? { source: ann['modelplane.dev/policy-source'] } : {}),
      ...(ann['modelplane.dev/policy-image-from-runtime'] === 'true' ? { imageFromRuntime: true } : {}),
    });
  }
  return out;
}

/** The object whose document holds `line` of `file`. */
export function objectAt(objects: readonly ObjectRef[], file: string, line: number): ObjectRef | undefined {
  const f = basename(file);
  return objects.find((o) => o.file === f && line >= o.lines[0] && line <= o.lines[1]);
}

/** `Kind/namespace/name` of an object ('-' for no namespace). */
export function refString(o: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind}/${o.namespace || '-'}/${o.name}`;
}

/**
 * kube-score's `--output-format json` (v2): a list of scored objects, each with `checks`. A check with
 * grade 10 passed; any lower grade (critical 1, warning 5, almost OK 7) fails the tier; `skipped` ones
 * are counted apart. Returns [] for a `null` report (kube-score prints null when it scored nothing).
 */
export function kubeScoreResults(report: unknown, objects: readonly ObjectRef[]): CheckResult[] {
  if (report === null) return [];
  if (!Array.isArray(report)) throw new Error('kube-score report is not a JSON list');
  const out: CheckResult[] = [];
  for (const entry of report) {
    if (!isObj(entry) || !Array.isArray(entry.checks)) throw new Error('kube-score report entry has no checks');
    const kind = String(entry.type_meta?.kind ?? '');
    const name = String(entry.object_meta?.name ?? '');
    const namespace = String(entry.object_meta?.namespace ?? '');
    const object =
      objectAt(objects, String(entry.file_name ?? ''), Number(entry.file_row ?? 0)) ??
      objects.find((o) => o.kind === kind && o.namespace === namespace && o.name === name);
    if (!object) throw new Error(`kube-score scored ${kind}/${namespace}/${name}, which is not in the scanned directory`);
    for (const c of entry.checks) {
      const grade = Number(c.grade);
      const outcome = c.skipped ? 'skipped' : grade >= 10 ? 'passed' : 'failed';
      const comments = Array.isArray(c.comments) ? c.comments : [];
      const detail = comments.map((m: Obj) => [m.path, m.summary].filter(Boolean).join(': ')).join('; ');
      out.push({ tool: 'kube-score', check: String(c.check?.id), title: String(c.check?.name ?? ''), object, outcome, detail });
    }
  }
  return out;
}

/**
 * Checkov's `-o json` for one framework: `{ results: { passed_checks, failed_checks, skipped_checks }, summary }`
 * (or a list of such reports when several frameworks ran). Each result carries its file and line range;
 * the object is found by the first line, so results on a workload's derived pod template belong to the workload.
 */
export function checkovResults(report: unknown, objects: readonly ObjectRef[]): { results: CheckResult[]; parsingErrors: number } {
  const reports = Array.isArray(report) ? report : [report];
  const out: CheckResult[] = [];
  let parsingErrors = 0;
  for (const r of reports) {
    if (!isObj(r)) throw new Error('checkov report is not a JSON object');
    // Checkov prints a bare summary (no "results") when it found nothing to scan.
    if (!isObj(r.results)) continue;
    if (r.check_type !== 'kubernetes') throw new Error(`checkov ran framework ${r.check_type}, expected kubernetes`);
    parsingErrors += Number(r.summary?.parsing_errors ?? 0);
    const groups: [string, 'passed' | 'failed' | 'skipped'][] = [
      ['passed_checks', 'passed'],
      ['failed_checks', 'failed'],
      ['skipped_checks', 'skipped'],
    ];
    for (const [key, outcome] of groups) {
      for (const c of (r.results[key] ?? []) as Obj[]) {
        const line = Array.isArray(c.file_line_range) ? Number(c.file_line_range[0]) : 0;
        const object = objectAt(objects, String(c.file_abs_path ?? c.file_path ?? ''), line);
        if (!object)
          throw new Error(
            `checkov result ${c.check_id} on ${c.resource} (${c.file_path}:${line}) matches no object of the scanned directory`,
          );
        const keys = Array.isArray(c.check_result?.evaluated_keys) ? c.check_result.evaluated_keys.join(', ') : '';
        out.push({
          tool: 'checkov',
          check: String(c.check_id),
          title: String(c.check_name ?? ''),
          object,
          outcome,
          detail: keys ? `evaluated ${keys}` : '',
        });
      }
    }
  }
  return { results: out, parsingErrors };
}

/** Parses and validates the allowlist YAML text: `entries:` with tool, check, kind, namespace, name, reason each. */
export function parseAllowlist(text: string, file = 'allowlist'): AllowEntry[] {
  const doc = YAML.parse(text) as unknown;
  if (!isObj(doc) || !Array.isArray(doc.entries)) throw new Error(`${file}: expected a map with an "entries" list`);
  const fields = ['tool', 'check', 'kind', 'namespace', 'name', 'reason'] as const;
  const seen = new Set<string>();
  return doc.entries.map((e: unknown, i: number) => {
    const at = `${file}: entries[${i}]`;
    if (!isObj(e)) throw new Error(`${at} is not a map`);
    for (const k of Object.keys(e)) {
      if (!(fields as readonly string[]).includes(k)) throw new Error(`${at} has unknown field "${k}"; allowed: ${fields.join(', ')}`);
    }
    for (const k of fields) {
      if (typeof e[k] !== 'string')
        throw new Error(`${at}.${k} is missing or not a string (every entry names ${fields.join(', ')}; use "*" for any)`);
    }
    if (!(TOOLS as readonly string[]).includes(e.tool)) throw new Error(`${at}.tool is "${e.tool}"; use one of ${TOOLS.join(', ')}`);
    if (e.reason.trim().length < 20) throw new Error(`${at}.reason is too short: say why this finding is acceptable`);
    if (e.check === '*') throw new Error(`${at}.check is "*": waive named checks only`);
    const key = fields
      .slice(0, 5)
      .map((k) => e[k])
      .join('|');
    if (seen.has(key)) throw new Error(`${at} duplicates an earlier entry (${key})`);
    seen.add(key);
    return e as unknown as AllowEntry;
  });
}

/** Whether glob `pattern` (only `*` is special) matches all of `value`. */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return re.test(value);
}

/** Whether `entry` covers `result`. An extracted custom-resource pod is matched by its source resource's identity. */
export function entryMatches(entry: AllowEntry, result: CheckResult): boolean {
  const o = result.object;
  const [kind, namespace, name] = o.source ? o.source.split('/').map((s) => (s === '-' ? '' : s)) : [o.kind, o.namespace, o.name];
  return (
    entry.tool === result.tool &&
    globMatch(entry.check, result.check) &&
    globMatch(entry.kind, kind) &&
    globMatch(entry.namespace, namespace) &&
    globMatch(entry.name, name)
  );
}

/**
 * Checks about a container's image (tag, digest, pull policy). On a pod whose image the operator picks at
 * run time (a KServe model served by a ServingRuntime) there is no image to judge: they count as skipped.
 */
export const IMAGE_CHECKS = new Set(['container-image-tag', 'container-image-pull-policy', 'CKV_K8S_14', 'CKV_K8S_15', 'CKV_K8S_43']);

/** Applies the allowlist to all results and decides. */
export function evaluate(
  objects: readonly ObjectRef[],
  results: readonly CheckResult[],
  allow: readonly AllowEntry[],
  toolErrors: readonly string[] = [],
): Verdict {
  const errors = [...toolErrors];
  const stats = {} as Verdict['stats'];
  const unscored = {} as Verdict['unscored'];
  const used = new Set<number>();
  const violations: CheckResult[] = [];
  const waived: { result: CheckResult; entry: number }[] = [];
  for (const tool of TOOLS) {
    const mine = results.filter((r) => r.tool === tool);
    const scored = new Set(mine.map((r) => refString(r.object) + '@' + r.object.file));
    const s = { run: 0, passed: 0, failed: 0, allowlisted: 0, skipped: 0, objects: scored.size };
    for (const r of mine) {
      if (r.outcome === 'skipped' || (r.object.imageFromRuntime && IMAGE_CHECKS.has(r.check))) {
        s.skipped++;
        continue;
      }
      s.run++;
      if (r.outcome === 'passed') {
        s.passed++;
        continue;
      }
      s.failed++;
      const idx = allow.findIndex((e) => entryMatches(e, r));
      if (idx >= 0) {
        s.allowlisted++;
        used.add(idx);
        waived.push({ result: r, entry: idx });
      } else violations.push(r);
    }
    stats[tool] = s;
    if (s.run === 0 && objects.length > 0) errors.push(`${tool} ran no checks over ${objects.length} objects`);
    const miss: Record<string, number> = {};
    for (const o of objects) if (!scored.has(refString(o) + '@' + o.file)) miss[o.kind] = (miss[o.kind] ?? 0) + 1;
    unscored[tool] = Object.fromEntries(Object.entries(miss).sort(([a], [b]) => a.localeCompare(b)));
  }
  const stale = allow.map((_, i) => i).filter((i) => !used.has(i));
  const order = (a: CheckResult, b: CheckResult) =>
    a.object.file.localeCompare(b.object.file) ||
    a.object.lines[0] - b.object.lines[0] ||
    a.tool.localeCompare(b.tool) ||
    a.check.localeCompare(b.check);
  violations.sort(order);
  waived.sort((a, b) => order(a.result, b.result));
  return {
    stats,
    violations,
    waived,
    stale,
    unscored,
    toolErrors: errors,
    ok: violations.length === 0 && stale.length === 0 && errors.length === 0,
  };
}

/** A readable summary of a verdict. */
export function formatSummary(v: Verdict, allow: readonly AllowEntry[]): string {
  const lines: string[] = [];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  lines.push('tool         objects  checks  passed  failed  allowlisted  skipped');
  for (const t of TOOLS) {
    const s = v.stats[t];
    lines.push(
      `${t.padEnd(12)} ${pad(s.objects, 7)} ${pad(s.run, 7)} ${pad(s.passed, 7)} ${pad(s.failed, 7)} ${pad(s.allowlisted, 12)} ${pad(s.skipped, 8)}`,
    );
  }
  for (const t of TOOLS) {
    const kinds = Object.entries(v.unscored[t])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    if (kinds) lines.push(`${t} scores no check on: ${kinds}`);
  }
  if (v.waived.length) {
    lines.push('', `allowlisted (${v.waived.length}):`);
    const byEntry = new Map<number, CheckResult[]>();
    for (const w of v.waived) byEntry.set(w.entry, [...(byEntry.get(w.entry) ?? []), w.result]);
    for (const [i, rs] of [...byEntry.entries()].sort(([a], [b]) => a - b)) {
      lines.push(`  [${i}] ${allow[i].tool} ${allow[i].check}: ${rs.map((r) => refString(r.object)).join(', ')}`);
    }
  }
  if (v.violations.length) {
    // One line per tool, check and object; the pods extracted from one custom resource share a line.
    const groups = new Map<string, CheckResult[]>();
    for (const r of v.violations) {
      const key = `${r.tool} ${r.check} ${r.object.source ?? refString(r.object)}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    lines.push('', `FAILED checks not in the allowlist (${v.violations.length}):`);
    for (const rs of groups.values()) {
      const r = rs[0];
      const where = r.object.source
        ? `${r.object.source} (${rs.length} pod${rs.length > 1 ? 's' : ''} it creates, e.g. ${refString(r.object)} [${r.object.file}:${r.object.lines[0]}])`
        : `${refString(r.object)} [${r.object.file}:${r.object.lines[0]}]`;
      lines.push(`  ${r.tool} ${r.check} on ${where}: ${r.title}${r.detail ? ` - ${r.detail}` : ''}`);
    }
  }
  if (v.stale.length) {
    lines.push('', `STALE allowlist entries (match no failed check; delete them) (${v.stale.length}):`);
    for (const i of v.stale) {
      const e = allow[i];
      lines.push(`  [${i}] ${e.tool} ${e.check} kind=${e.kind} namespace=${e.namespace} name=${e.name}`);
    }
  }
  for (const e of v.toolErrors) lines.push(`TOOL ERROR: ${e}`);
  lines.push('', v.ok ? 'policy: PASS' : 'policy: FAIL');
  return lines.join('\n');
}

function readJson(file: string, tool: string): unknown {
  const text = readFileSync(file, 'utf8').trim();
  if (text === '') throw new Error(`${tool} wrote no output to ${file}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${tool} output in ${file} is not JSON: ${(e as Error).message}`);
  }
}

function main(argv: readonly string[]): number {
  const arg = (name: string): string => {
    const i = argv.indexOf(name);
    if (i < 0 || i + 1 >= argv.length) throw new Error(`missing ${name}`);
    return argv[i + 1];
  };
  const dirs = arg('--dir')
    .split(',')
    .map((d) => resolve(d));
  const objects = dirs.flatMap((d) => loadObjects(d));
  const allowFile = arg('--allowlist');
  const allow = parseAllowlist(readFileSync(allowFile, 'utf8'), allowFile);
  const ks = kubeScoreResults(readJson(arg('--kube-score'), 'kube-score'), objects);
  const ck = checkovResults(readJson(arg('--checkov'), 'checkov'), objects);
  const errors = ck.parsingErrors > 0 ? [`checkov could not parse ${ck.parsingErrors} file(s)`] : [];
  const verdict = evaluate(objects, [...ks, ...ck.results], allow, errors);
  console.log(formatSummary(verdict, allow));
  const reportAt = argv.indexOf('--report');
  if (reportAt >= 0)
    writeFileSync(
      argv[reportAt + 1],
      JSON.stringify(
        {
          stats: verdict.stats,
          ok: verdict.ok,
          violations: verdict.violations,
          stale: verdict.stale.map((i) => allow[i]),
          unscored: verdict.unscored,
          toolErrors: verdict.toolErrors,
        },
        null,
        2,
      ) + '\n',
    );
  return verdict.ok ? 0 : 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`policy evaluate: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
