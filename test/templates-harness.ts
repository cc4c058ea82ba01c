/**
 * Python side of the run-time values and DAG-source tests (test/templates-*.test.ts): one python3 process
 * per batch of cases. `compileDags` writes generated DAG files and compiles them with py_compile, reading
 * back the DAG's `description=` and docstring with `ast`; `evalLiterals` evaluates string literals with
 * `ast.literal_eval`; `runSubmit` executes a generated DAG file with stand-ins for the Airflow, pendulum
 * and Kubernetes modules and calls its `submit` task the way Airflow does (the context passed by name),
 * returning the SparkApplication it would create.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Runs a Python script with `input` as JSON on stdin and returns its JSON stdout. */
export function runPython<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The code points of a string (a lone surrogate is one), as Python's `[ord(c) for c in s]` gives them. */
export function codePoints(s: string): number[] {
  return Array.from(s, (c) => c.codePointAt(0)!);
}

const EVAL_LITERALS = `
import ast, json, sys
out = []
for lit in json.load(sys.stdin):
    try:
        value = ast.literal_eval(lit)
        out.append({"ok": isinstance(value, str), "points": [ord(c) for c in value]})
    except Exception as e:
        out.append({"ok": False, "error": repr(e)})
print(json.dumps(out))
`;

/** Evaluates each Python literal; the code points of the string it gives, or the error. */
export function evalLiterals(literals: readonly string[]): { ok: boolean; points?: number[]; error?: string }[] {
  return runPython(EVAL_LITERALS, literals);
}

const COMPILE_DAGS = `
import ast, json, py_compile, sys
out = []
for path in json.load(sys.stdin):
    try:
        py_compile.compile(path, doraise=True)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        description = None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DAG":
                for kw in node.keywords:
                    if kw.arg == "description":
                        description = ast.literal_eval(kw.value)
        doc = ast.get_docstring(tree, clean=False)
        out.append({
            "ok": True,
            "description": None if description is None else [ord(c) for c in description],
            "doc": doc,
        })
    except Exception as e:
        out.append({"ok": False, "error": repr(e)})
print(json.dumps(out))
`;

/** What compiling one DAG file gave. */
export interface CompiledDag {
  /** Whether py_compile compiled it (and the description evaluated). */
  readonly ok: boolean;
  /** The code points of the DAG's `description=`. */
  readonly description?: number[] | null;
  /** The module docstring. */
  readonly doc?: string;
  /** The error, when not ok. */
  readonly error?: string;
}

/** Writes the DAG sources as files (as the synth writes them: UTF-8) and compiles them in one Python process. */
export function compileDags(sources: readonly string[]): CompiledDag[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelplane-templates-'));
  try {
    const files = sources.map((src, i) => {
      const file = path.join(dir, `dag_${i}.py`);
      fs.writeFileSync(file, src, 'utf8');
      return file;
    });
    return runPython(COMPILE_DAGS, files);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const RUN_SUBMIT = `
import contextlib, datetime, importlib.abc, importlib.machinery, inspect, io, json, sys, types

class Stub:
    def __init__(self, *args, **kwargs):
        self.params = {}
    def __call__(self, *args, **kwargs):
        return Stub()
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub()
    def __rshift__(self, other):
        return other
    def __or__(self, other):
        return self
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return False

class StubError(Exception):
    pass

class StubModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return StubError if name.endswith(("Exception", "Error")) else Stub

class Stand_ins(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("airflow", "pendulum", "kubernetes"):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None
    def create_module(self, spec):
        return StubModule(spec.name)
    def exec_module(self, module):
        module.__path__ = []

sys.meta_path.insert(0, Stand_ins())

class Hook:
    def __init__(self, data):
        self.created = []
        hook = self
        class Core:
            def read_namespaced_config_map(self, name, namespace):
                return types.SimpleNamespace(data=data)
        class Custom:
            def create_namespaced_custom_object(self, group, version, namespace, plural, body):
                hook.created.append(body)
        self.core_v1_client = Core()
        self.custom_object_client = Custom()

def when(text):
    return None if text is None else datetime.datetime.fromisoformat(text)

out = []
cases = json.load(sys.stdin)
modules = {}
for case in cases:
    source = case["source"]
    if source not in modules:
        ns = {"__name__": "generated_dag"}
        exec(compile(source, "generated_dag.py", "exec"), ns)
        modules[source] = ns
    ns = modules[source]
    hook = Hook(case["configMap"])
    ns["_kubernetes"] = lambda: hook
    ctx = case["context"]
    context = {
        "dag_run": types.SimpleNamespace(
            dag_id=ctx["dagId"], run_id=ctx["runId"], run_after=when(ctx["runAfter"]), conf=ctx["conf"]
        ),
        "params": dict(ctx["params"]),
        "run_id": ctx["runId"],
    }
    for key in ("logical_date", "data_interval_start", "data_interval_end"):
        if ctx.get(key) is not None:
            context[key] = when(ctx[key])
    if ctx.get("logical_date") is not None:
        context["ds"] = context["logical_date"].strftime("%Y-%m-%d")
        context["ts"] = context["logical_date"].isoformat()
    kwargs = dict(case["opKwargs"])
    submit = ns["submit"]
    sig = inspect.signature(submit)
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        kwargs.update(context)
    else:
        kwargs.update({k: v for k, v in context.items() if k in sig.parameters})
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            submit(**kwargs)
        out.append({"ok": True, "app": hook.created[0]})
    except Exception as e:
        out.append({"ok": False, "error": f"{type(e).__name__}: {e}"})
print(json.dumps(out))
`;

/** The run a submit case runs in: what Airflow puts in the task's context. */
export interface RunContext {
  readonly dagId: string;
  readonly runId: string;
  /** ISO 8601 with offset. */
  readonly runAfter: string;
  /** ISO 8601 with offset, or null for a run without a logical date. */
  readonly logical_date: string | null;
  readonly data_interval_start?: string | null;
  readonly data_interval_end?: string | null;
  readonly conf: Record<string, unknown>;
  /** The task's params (the DAG's params merged with the run's conf). */
  readonly params: Record<string, unknown>;
}

/** One call of a generated DAG's submit task. */
export interface SubmitCase {
  /** The DAG file's source. */
  readonly source: string;
  /** The model's template ConfigMap data (key → JSON manifest). */
  readonly configMap: Record<string, string>;
  /** The task's op_kwargs (model, step, template, env). */
  readonly opKwargs: Record<string, unknown>;
  readonly context: RunContext;
}

/** Calls each case's submit; the SparkApplication it created, or the error it raised. */
export function runSubmit(cases: readonly SubmitCase[]): { ok: boolean; app?: any; error?: string }[] {
  return runPython(RUN_SUBMIT, cases);
}
