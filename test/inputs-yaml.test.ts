/**
 * Issue 11 ("nothing lost, nothing wrong"), the YAML loader: input it cannot read faithfully is refused
 * at FILE:LINE:COL with exit 1 (never a stack trace, exit 4), and nothing is written. Each case runs the CLI
 * in-process (`run`) on a temporary file, and the loader directly where its API is what matters.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../src/frontends/cli/main';
import { loadConfigText } from '../src/frontends/config/load';
import { loadPlatformText } from '../src/frontends/config/platform-load';
import { MAX_YAML_NESTING, YamlSource } from '../src/frontends/config/source';

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** What the output directory holds afterwards (nothing on error). */
  readonly written: string[];
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'modelplane-inputs-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** `modelplane synth -f FILE -o DIR` on `content` (text or raw bytes); `flag` gives the file with --platform instead. */
function synth(content: string | Buffer, flag: '-f' | '--platform' = '-f'): CliRun {
  const dir = mkdtempSync(join(root, 'run-'));
  const file = join(dir, 'modelplane.yaml');
  writeFileSync(file, content);
  let out = '';
  let err = '';
  const outDir = join(dir, 'dist');
  const code = run(
    ['synth', flag, file, '-o', outDir],
    {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    },
    dir,
  );
  const written = readdirSync(dir).filter((f) => f !== 'modelplane.yaml');
  return { code, out, err, written };
}

/** Expects exit 1, nothing written, and one message line at `modelplane.yaml:LINE:COL` containing every `says`. */
function expectRefused(r: CliRun, at: RegExp, ...says: Array<string | RegExp>): string {
  expect({ code: r.code, written: r.written }).toEqual({ code: 1, written: [] });
  expect(r.err).not.toMatch(/internal error|Maximum call stack|\n\s+at /);
  const lines = r.err.split('\n').filter((l) => at.test(l));
  const line = lines.find((l) => says.every((s) => (typeof s === 'string' ? l.includes(s) : s.test(l))));
  if (!line) throw new Error(`no line matching ${at} with ${says.map(String).join(' and ')} in:\n${r.err}`);
  expect(line).toMatch(/Fix: \S/);
  expect(r.err).toContain('nothing was written');
  return line;
}

const ONLINE = (extra: string) => `team: risk
models:
  - name: fraud
    type: online
    model: "models:/fraud@champion"
${extra}`;

const BATCH = (extra: string) => `team: risk
defaults: { image: docker.io/apache/spark:3.5.3-python3, python: "3.11", spark: { version: "3.5.3" } }
models:
  - name: churn
    type: batch
    main: s3a://code/risk/churn/score.py
    environment: s3a://envs/risk/churn-1.4.2.tar.gz
    output: hive://risk.churn_scores
${extra}`;

describe('aliases', () => {
  test('an alias naming no anchor is refused at the alias (it crashed with exit 4)', () => {
    const r = synth('team: *nope\nmodels: []\n');
    expectRefused(r, /modelplane\.yaml:1:7: /, '*nope', 'anchor');
  });

  test('an alias before its anchor is refused too', () => {
    const r = synth('team: *t\nx: &t risk\nmodels: []\n');
    expectRefused(r, /modelplane\.yaml:1:7: /, '*t', 'anchor');
  });

  test('exponential aliases (a "billion laughs" bomb) are refused, located (it crashed with exit 4)', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 8; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const r = synth(`team: risk\nmodels: []\n${lines.join('\n')}\n`);
    expectRefused(r, /modelplane\.yaml:\d+:\d+: /, /alias/i, /values/);
  });

  test('an alias inside its own anchor (a cycle) is refused', () => {
    const r = synth('team: risk\nmodels: &m [*m]\n');
    expectRefused(r, /modelplane\.yaml:2:13: /, '*m', /itself/);
  });

  test('an anchor used many times still works (shared resources for 30 models)', () => {
    const first = '  - { name: m0, type: online, model: "models:/m@c", resources: &r { cpu: "1", memory: 2Gi } }';
    const rest = Array.from({ length: 30 }, (_, i) => `  - { name: m${i + 1}, type: online, model: "models:/m@c", resources: *r }`);
    const loaded = loadConfigText('f.yaml', `team: risk\nmodels:\n${[first, ...rest].join('\n')}\n`);
    expect(loaded.issues).toEqual([]);
    expect(loaded.config?.models).toHaveLength(31);
  });
});

describe('nesting', () => {
  test(`10,000 levels of nesting are refused beyond ${64} levels, without "Maximum call stack size exceeded"`, () => {
    const r = synth(`team: risk\nmodels: []\nx: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    const line = expectRefused(r, /modelplane\.yaml:3:\d+: /, `${MAX_YAML_NESTING}`, /nest/);
    expect(line).not.toContain('Maximum call stack');
  });

  test('deep block nesting and unclosed brackets are refused the same way', () => {
    expectRefused(synth(`${'- '.repeat(5000)}x\n`), /modelplane\.yaml:1:\d+: /, /nest/);
    expectRefused(synth(`team: risk\nx: ${'{a: ['.repeat(50_000)}\n`), /modelplane\.yaml:2:\d+: /, /nest/);
  });

  test('nesting through aliases counts too', () => {
    const deep = (n: number, inner: string) => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;
    const text = `team: risk\nmodels: []\na: &a ${deep(40, '1')}\nb: &b ${deep(40, '*a')}\n`;
    expectRefused(synth(text), /modelplane\.yaml:\d+:\d+: /, /nest/, `${MAX_YAML_NESTING}`);
  });

  test(`${MAX_YAML_NESTING} levels are fine (the limit is documented, not an accident of the stack)`, () => {
    expect(MAX_YAML_NESTING).toBe(64);
    const ok = YamlSource.parse('f.yaml', `x: ${'['.repeat(MAX_YAML_NESTING - 1)}${']'.repeat(MAX_YAML_NESTING - 1)}\n`);
    expect(ok.issues).toEqual([]);
    const bad = YamlSource.parse('f.yaml', `x: ${'['.repeat(MAX_YAML_NESTING)}${']'.repeat(MAX_YAML_NESTING)}\n`);
    expect(bad.issues.map((i) => i.problem).join()).toMatch(/nest/);
  });
});

describe('tags', () => {
  test('an unknown tag is refused where it is, not silently dropped', () => {
    const r = synth(ONLINE('    image: !!python/object:os.system docker.io/x/y:1\n'));
    expectRefused(r, /modelplane\.yaml:6:12: /, 'python/object');
  });

  test('local tags and YAML 1.1 tags (!!binary, !!set) are refused too; core tags are fine', () => {
    expectRefused(synth('team: !custom risk\nmodels: []\n'), /modelplane\.yaml:1:7: /, '!custom');
    expectRefused(synth('team: risk\nmodels: []\nx: !!binary aGVsbG8=\n'), /modelplane\.yaml:3:4: /, 'binary');
    expectRefused(synth('team: risk\nmodels: !!set { a }\n'), /modelplane\.yaml:2:9: /, 'set');
    expect(loadConfigText('f.yaml', 'team: !!str risk\nmodels: !!seq []\n').issues).toEqual([]);
  });
});

describe('numbers YAML does not read as written', () => {
  test('.nan is refused saying what YAML read (it was reported as `= null`, then as NaN)', () => {
    const r = synth(ONLINE('    replicas: { min: .nan, max: 4 }\n'));
    const line = expectRefused(r, /modelplane\.yaml:6:22: /, 'YAML read `.nan` as not-a-number');
    expect(line).not.toContain('null');
    expect(line).toContain('models[0].replicas.min');
  });

  test('.inf and numbers too large for a double are refused the same way', () => {
    expectRefused(synth(ONLINE('    replicas: -.Inf\n')), /modelplane\.yaml:6:15: /, 'YAML read `-.Inf` as minus infinity');
    expectRefused(synth(ONLINE('    replicas: 1e999\n')), /modelplane\.yaml:6:15: /, 'YAML read `1e999` as infinity');
  });

  test('a whole number beyond 2^53 (which YAML rounds) is refused, with the digits it would have kept', () => {
    const r = synth(ONLINE('    resources: { cpu: 99999999999999999999999, memory: 1Gi }\n'));
    expectRefused(r, /modelplane\.yaml:6:23: /, '99999999999999999999999', /1e\+23/, /quote/);
  });
});

describe('text', () => {
  test('a NUL byte in an env value is refused (raw in the file, and written as "\\0")', () => {
    const raw = synth(BATCH('    env: { MODE: "a\u0000b" }\n'));
    expectRefused(raw, /modelplane\.yaml:9:\d+: /, 'U+0000', 'NUL');
    const escaped = synth(BATCH('    env: { MODE: "a\\0b" }\n'));
    expectRefused(escaped, /modelplane\.yaml:9:\d+: /, '`models[0].env.MODE`', 'U+0000 (NUL) at position 2');
  });

  test('U+0085 and U+2028 in a value are refused (they were written unescaped and read back as another value)', () => {
    expectRefused(synth(ONLINE('    image: "docker.io/x/y:1\\N"\n')), /modelplane\.yaml:6:12: /, 'U+0085 (next line)');
    expectRefused(synth(ONLINE('    image: docker.io/x/y:1\u2028\n')), /modelplane\.yaml:6:\d+: /, 'U+2028 (line separator)');
    expectRefused(synth(ONLINE('    image: "docker.io/x/y:1\\P"\n')), /modelplane\.yaml:6:12: /, 'U+2029');
  });

  test('a line break is refused in a one-line field, accepted in a multi-line one (ModelTest reference)', () => {
    const r = synth(ONLINE('    image: "docker.io/x/y:1\\nz"\n'));
    expectRefused(r, /modelplane\.yaml:6:12: /, '`models[0].image`', 'line feed');
    const ok = loadConfigText(
      'f.yaml',
      ONLINE('    tests:\n      - name: t\n        reference: |\n          amount,expected\n          10,0.5\n'),
    );
    expect(ok.issues).toEqual([]);
    const folded = loadConfigText('f.yaml', ONLINE('    description: >\n      Scores fraud\n      in real time.\n'));
    expect(folded.issues).toEqual([]);
  });

  test('control characters in keys are refused too; tabs in values are fine', () => {
    expectRefused(synth(BATCH('    env: { "MO\\u0007DE": x }\n')), /modelplane\.yaml:9:\d+: /, 'U+0007');
    expect(loadConfigText('f.yaml', BATCH('    env: { MODE: "a\\tb" }\n')).issues).toEqual([]);
  });

  test('a byte order mark at the start of the file is accepted; inside a value it is refused', () => {
    const bom = synth(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(ONLINE(''))]));
    expect({ code: bom.code, err: bom.err }).toEqual({ code: 0, err: '' });
    expectRefused(synth(ONLINE('    image: "docker.io/x/y:1\\uFEFF"\n')), /modelplane\.yaml:6:12: /, 'U+FEFF (byte order mark)');
  });

  test('invalid UTF-8 is refused with its byte offset and line (it was silently replaced)', () => {
    const bytes = Buffer.concat([Buffer.from('team: risk\nmodels: []\nx: "ab'), Buffer.from([0xff]), Buffer.from('c"\n')]);
    const r = synth(bytes);
    expectRefused(r, /modelplane\.yaml:3:7: /, 'not valid UTF-8', 'byte 0xFF', 'offset 28', 'line 3');
  });

  test('a truncated multi-byte character at the end of the file is invalid UTF-8 too', () => {
    const bytes = Buffer.concat([Buffer.from('team: risk\nmodels: []\n# é'), Buffer.from([0xc3])]);
    expectRefused(synth(bytes), /modelplane\.yaml:3:4: /, 'not valid UTF-8');
  });
});

describe('the platform file goes through the same checks', () => {
  test('invalid UTF-8, an unknown tag, an alias error and a control character are refused, located', () => {
    const bytes = Buffer.concat([Buffer.from('teams:\n  - name: r'), Buffer.from([0xc0, 0xaf]), Buffer.from('isk\n')]);
    expectRefused(synth(bytes, '--platform'), /modelplane\.yaml:2:12: /, 'not valid UTF-8');
    expectRefused(synth('teams:\n  - name: !!python/name:os risk\n', '--platform'), /modelplane\.yaml:2:11: /, 'python/name');
    expectRefused(synth('teams:\n  - name: *x\n', '--platform'), /modelplane\.yaml:2:11: /, '*x');
    expectRefused(synth('teams:\n  - name: "ri\\x01sk"\n', '--platform'), /modelplane\.yaml:2:11: /, 'U+0001');
  });

  test('Helm values may hold multi-line strings', () => {
    const p = loadPlatformText('p.yaml', 'operators:\n  airflow:\n    values:\n      config: |\n        a\n        b\n');
    expect(p.issues).toEqual([]);
  });
});

describe('the schema bounds integers as the constructs do, so editors warn early', () => {
  test.each([
    ['replicas: 1001', 6, 15, '<= 1000'],
    ['replicas: { min: 2, max: 5000 }', 6, 30, '<= 1000'],
    ['gpu: { pool: gpu, count: 17 }', 6, 30, '<= 16'],
    ['tests: [{ name: t, referenceUri: "mlflow-artifacts:/r.csv", waitSeconds: 999999999 }]', 6, 78, '<= 604800'],
    ['autoscale: { rabbitmq: { queue: q, hostSecret: s, messagesPerReplica: 2147483648 } }', 6, 75, '<= 2147483647'],
  ])('%s', (field, line, col, says) => {
    const issues = loadConfigText('f.yaml', ONLINE(`    ${field}\n`)).issues.map((i) => `${i.line}:${i.col}: ${i.problem}`);
    expect(issues).toContainEqual(expect.stringContaining(`${line}:${col}: `));
    expect(issues.join('\n')).toContain(says);
  });
});

describe('what the fuzz tier found (test/fuzz: seeds 11 to 16, 1,000 cases each)', () => {
  test('a required key left out reads "is not set", never "= undefined"', () => {
    const noSpark = BATCH('').replace(', spark: { version: "3.5.3" }', '');
    const line = expectRefused(
      synth(noSpark),
      /modelplane\.yaml:\d+:\d+:/,
      '`models[0].spark.version` is not set, and is not a Spark version',
    );
    expect(line).not.toMatch(/\bundefined\b/);
    const platform = expectRefused(
      synth('teams:\n  - quota: { cpu: "4" }\n', '--platform'),
      /modelplane\.yaml:2:5:/,
      '`teams[0].name` is not set',
    );
    expect(platform).not.toMatch(/\bundefined\b/);
  });

  test.each(['models', 'cascades', 'retroTests', 'gpuPools'])('a null entry in %s is refused, not a TypeError (exit 4)', (key) => {
    const text = key === 'models' ? 'team: risk\nmodels:\n  - null\n' : `team: risk\nmodels: []\n${key}:\n  - null\n`;
    expectRefused(synth(text), /modelplane\.yaml:\d+:5:/, `\`${key}[0]\` = null must be object`);
  });

  test.each([
    ['gpuPools: {}', '`gpuPools` = {} must be array'],
    ['retroTests: canary', '`retroTests` = "canary" must be array'],
    ['cascades: 7', '`cascades` = 7 must be array'],
  ])('a top-level list given as something else (%s) is refused, not a TypeError (seed 13)', (line, says) => {
    expectRefused(synth(`team: risk\nmodels: []\n${line}\n`), /modelplane\.yaml:3:\d+:/, says);
  });

  test('a platform team without a name is named by its position, never TeamSpace "undefined" (seeds 14 and 15)', () => {
    const r = synth('teams:\n  - quota: { memory: much }\n', '--platform');
    expectRefused(r, /modelplane\.yaml:2:5:/, '`teams[0].name` is not set', 'Fix: add it: at most 40 lower-case letters');
    expectRefused(r, /modelplane\.yaml:2:22:/, '`teams[0].quota.memory` = "much"', '(TeamSpace "teams[0]")');
  });

  test.each([
    ['args: ["AKIAIOSFODNN7EXAMPLE"]', 'an AWS access key id'],
    ['env: { DB: "postgresql://app:hunter2@db:5432/app" }', 'a URI with a plain-text password'],
    ['env: { GH: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" }', 'a GitHub token'],
  ])('a credential in any field is refused, redacted (%s; seed 16)', (line, what) => {
    const r = synth(BATCH(`    ${line}\n`));
    const found = expectRefused(r, /modelplane\.yaml:9:\d+:/, `= <redacted> holds ${what}`, 'Kubernetes Secret');
    expect(r.err).not.toMatch(/AKIA|hunter2|ghp_/);
    expect(found).not.toContain('remove the character');
  });

  test('a password given as a run-time reference ($(VAR), ${VAR}) is no credential', () => {
    expect(synth(BATCH('    args: ["--db", "postgresql://app:$(DB_PASSWORD)@db:5432/app"]\n')).code).toBe(0);
  });

  test('--platform given twice is a usage error (exit 2): one of the files would be ignored', () => {
    const dir = mkdtempSync(join(root, 'twice-'));
    const file = join(dir, 'platform.yaml');
    writeFileSync(file, 'teams: [{ name: risk }]\n');
    let err = '';
    const code = run(['validate', '--platform', file, '--platform', file], { out: () => undefined, err: (t) => (err += t) }, dir);
    expect(code).toBe(2);
    expect(err).toContain('a run takes one platform file. Fix: pass --platform once');
  });
});

describe('what YAML read instead of text (issue 12)', () => {
  const batch = (extra: string) =>
    `team: risk\nmodels:\n  - name: churn\n    type: batch\n    image: docker.io/apache/spark:3.5.3-python3\n    spark: { version: "3.5.3" }\n    main: s3a://code/churn.py\n    environment: s3a://envs/e.tar.gz\n${extra}`;

  test('a number, a boolean and an empty value, each said as YAML read it, with a fix that fits the field', () => {
    const cases: Array<[string, string, string]> = [
      ['    python: 3.10\n', 'is 3.10 unquoted: YAML read 3.10 as the number 3.1, and this field takes text', 'quote it: "3.10"'],
      ['    python: "3.11"\n    env: { DEBUG: true }\n', 'is true unquoted: YAML read true as a boolean', 'quote it: "true"'],
      ['    python:\n', 'has no value (YAML read nothing after the colon as null)', 'write the version as a quoted string, e.g. "3.11"'],
    ];
    for (const [extra, problem, fix] of cases) {
      const r = synth(batch(extra));
      expect({ code: r.code, written: r.written }).toEqual({ code: 1, written: [] });
      expect(r.err).toContain(problem);
      expect(r.err).toContain(`Fix: ${fix}.`);
    }
  });

  test("in a platform file, how YAML read a value explains the construct's complaint, which is left out", () => {
    const r = synth('operators:\n  kserve:\n    version: 2.5\n', '--platform');
    expect(r.code).toBe(1);
    expect(r.err).toContain('`operators.kserve.version` is 2.5 unquoted: YAML read 2.5 as a number');
    expect(r.err).not.toContain('not an exact chart version');
  });

  test('one line indented with a tab is one problem, at the tab, not a cascade', () => {
    const r = synth(
      'team: risk\nmodels:\n  - name: fraud\n    type: online\n\tmodel: "models:/fraud@champion"\n    replicas: 2\n  - name: b\n    type: online\n',
    );
    expect(r.code).toBe(1);
    const lines = r.err.split('\n').filter((l) => l.includes('modelplane.yaml:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/modelplane\.yaml:5:1: is indented with a tab/);
  });
});
