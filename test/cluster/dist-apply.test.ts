/**
 * Every object we synthesize is accepted by a real kube-apiserver with every operator CRD registered:
 * the README main job's dist/ and every example, each output set in turn:
 *   1. server-side dry-run of every object (namespaces first): no rejection, no warning;
 *   2. a real server-side apply: every object stored, no warning (Pod Security warns on any pod
 *      template that breaks "restricted" in our namespaces, which all carry warn=restricted);
 *   3. a second apply changes nothing (every object keeps its resourceVersion);
 *   4. deletion: every object and namespace gone, namespaces finished terminating.
 * Each rejection and warning is reported with its file, kind, name and the server's message.
 * Run with `npm run test:cluster` (one control plane for the whole tier).
 */
import * as fs from 'fs';
import {
  applyObjects,
  ApplyProblem,
  coveredExamples,
  describeObject,
  DistObject,
  embeddedObjects,
  exampleNames,
  getStored,
  KubeObject,
  layoutSet,
  objectKey,
  OPERATOR_NAMESPACES,
  ourManagedFields,
  OutputSet,
  prepareKinds,
  ScopeOf,
  settle,
  synthesizeAll,
  tempRoot,
} from './dist';
import { kubectl, kubectlOk, requireCluster, waitFor } from './kube';

const SET_NAMES = ['dist', ...coveredExamples().map((e) => `examples/${e}`)];
const PSS = 'pod-security.kubernetes.io';

let root: string;
let sets: Map<string, OutputSet>;
/** Whether an object's kind is namespaced, from the server's discovery (`kubectl api-resources`). */
let isNamespaced: ScopeOf;
const totals = { objects: 0, prerequisites: 0, embedded: 0, sets: 0 };
const perSet: string[] = [];

function format(problems: readonly ApplyProblem[]): string[] {
  return problems.map((p) => `${p.kind.toUpperCase()} ${p.object}: ${p.message}`);
}

/** Namespaces every cluster has (the GPU device plugin DaemonSet defaults to kube-system). */
const SYSTEM_NAMESPACES = new Set(['kube-system']);

function stream(objects: readonly KubeObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';
}

beforeAll(async () => {
  requireCluster();
  root = tempRoot();
  sets = new Map(synthesizeAll(root).map((s) => [s.name, s]));
  isNamespaced = await prepareKinds(sets.values());
}, 600000);

afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  if (totals.sets > 0) {
    process.stdout.write(
      `dist-apply: ${totals.objects} objects of ${totals.sets} output sets (+ ${totals.prerequisites} of the team-only examples' platforms) dry-run, applied twice and deleted; ${totals.embedded} run-time objects dry-run\n  ${perSet.join('\n  ')}\n`,
    );
  }
});

test('every example in examples/ is part of the tier', () => {
  expect(coveredExamples()).toEqual(exampleNames());
});

test('the checks see what they must: a Pod Security warning and a rejection are reported with the object', async () => {
  const ns = `pss-probe-${process.pid}`;
  const nsObj: DistObject = {
    set: 'probe',
    file: 'probe.yaml',
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { [`${PSS}/warn`]: 'restricted' } } },
  };
  expect(applyObjects([nsObj], { dryRun: false })).toEqual([]);
  try {
    const loose: DistObject = {
      set: 'probe',
      file: 'probe.yaml',
      obj: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'loose', namespace: ns },
        spec: {
          selector: { matchLabels: { app: 'loose' } },
          template: {
            metadata: { labels: { app: 'loose' } },
            spec: { containers: [{ name: 'main', image: 'registry.example/app:1.0.0' }] },
          },
        },
      },
    };
    const bad: DistObject = { set: 'probe', file: 'probe.yaml', obj: { ...loose.obj, metadata: { name: 'Bad_Name', namespace: ns } } };
    const problems = applyObjects([loose, bad], { dryRun: true });
    expect(problems.find((p) => p.kind === 'warning')).toMatchObject({
      object: `probe/probe.yaml: Deployment ${ns}/loose`,
      message: expect.stringContaining('would violate PodSecurity "restricted'),
    });
    expect(problems.find((p) => p.kind === 'rejected')).toMatchObject({
      object: `probe/probe.yaml: Deployment ${ns}/Bad_Name`,
      message: expect.stringContaining('Invalid value: "Bad_Name"'),
    });
  } finally {
    kubectl(['delete', 'namespace', ns, '--wait=false']);
  }
});

describe.each(SET_NAMES)('%s', (name) => {
  let set: OutputSet;
  let all: DistObject[];
  let first: DistObject[];
  let rest: DistObject[];
  let operatorNamespaces: string[];
  let applied = false;
  let before: Map<string, KubeObject>;

  beforeAll(() => {
    set = sets.get(name)!;
    // Namespaces and other cluster-scoped objects first; namespaced objects need their namespace.
    ({ all, first, rest, operatorNamespaces } = layoutSet(set, isNamespaced));
  });

  afterAll(async () => {
    // Leave nothing behind for the next set, even when a test failed.
    if (!applied) return;
    kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], stream(all.map((d) => d.obj)));
    if (operatorNamespaces.length > 0) kubectl(['delete', 'namespace', '--ignore-not-found', '--wait=false', ...operatorNamespaces]);
    await waitFor(
      `${name}: namespaces gone`,
      () =>
        all
          .filter((d) => d.obj.kind === 'Namespace')
          .concat()
          .every((d) => kubectl(['get', 'namespace', d.obj.metadata.name, '-o', 'name']).status !== 0),
      180000,
    ).catch(() => undefined);
  }, 200000);

  test('synthesized: objects, every namespaced object in a namespace, every namespace with Pod Security restricted', () => {
    expect(set.objects.length).toBeGreaterThan(0);
    const unplaced = rest.filter((d) => !d.obj.metadata.namespace).map(describeObject);
    expect(unplaced).toEqual([]);
    const created = new Set(all.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name));
    const nowhere = [...new Set(rest.map((d) => d.obj.metadata.namespace!))].filter(
      (ns) => !created.has(ns) && !OPERATOR_NAMESPACES.has(ns) && !SYSTEM_NAMESPACES.has(ns),
    );
    expect(nowhere).toEqual([]);
    for (const d of all.filter((x) => x.obj.kind === 'Namespace')) {
      const labels = (d.obj.metadata.labels ?? {}) as Record<string, string>;
      expect({ ns: d.obj.metadata.name, warn: labels[`${PSS}/warn`], enforce: labels[`${PSS}/enforce`] }).toEqual({
        ns: d.obj.metadata.name,
        warn: 'restricted',
        enforce: 'restricted',
      });
    }
  });

  test('server-side dry-run: every object accepted, no warnings', () => {
    // Operator namespaces come from the Helm releases, not from our output: create them plainly.
    for (const ns of operatorNamespaces) {
      kubectlOk(
        ['apply', '--server-side', '--field-manager=modelplane-dist-test-operators', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      );
    }
    applied = true;
    const problems = [...applyObjects(first, { dryRun: true })];
    // The namespaced objects' dry-run needs the namespaces to exist: create them (checked above).
    problems.push(
      ...applyObjects(
        first.filter((d) => d.obj.kind === 'Namespace'),
        { dryRun: false },
      ),
    );
    problems.push(...applyObjects(rest, { dryRun: true }));
    expect(format(problems)).toEqual([]);
  });

  test('run-time objects (Airflow SparkApplication templates, Argo resource manifests) pass a server-side dry-run', () => {
    const embedded = embeddedObjects(all);
    totals.embedded += embedded.length;
    expect(format(applyObjects(embedded, { dryRun: true }))).toEqual([]);
  });

  test('server-side apply: every object stored, no warnings', () => {
    const problems = [...applyObjects(first, { dryRun: false }), ...applyObjects(rest, { dryRun: false })];
    expect(format(problems)).toEqual([]);
    const stored = getStored(all);
    expect(all.filter((d) => !stored.has(objectKey(d.obj))).map(describeObject)).toEqual([]);
    perSet.push(`${name}: ${set.objects.length} objects${set.prerequisites.length > 0 ? ` (+ ${set.prerequisites.length} platform)` : ''}`);
    totals.objects += set.objects.length;
    totals.prerequisites += set.prerequisites.length;
    totals.sets += 1;
  });

  test('a second apply changes nothing: every resourceVersion stays', async () => {
    // Controllers write status (Deployments, Jobs, PDBs, HPAs) after the first apply: wait until they are done.
    before = await settle(all);
    expect(format([...applyObjects(first, { dryRun: false }), ...applyObjects(rest, { dryRun: false })])).toEqual([]);
    const after = getStored(all);
    const changed: string[] = [];
    for (const d of all) {
      const k = objectKey(d.obj);
      const b = before.get(k);
      const a = after.get(k);
      if (!b || !a) {
        changed.push(`${describeObject(d)}: missing ${!b ? 'before' : 'after'} the second apply`);
      } else if (b.metadata.resourceVersion !== a.metadata.resourceVersion && ourManagedFields(b) !== ourManagedFields(a)) {
        // A new resourceVersion that our own apply caused (a controller's status write leaves our entry alone).
        changed.push(`${describeObject(d)}: resourceVersion ${b.metadata.resourceVersion} -> ${a.metadata.resourceVersion}`);
      }
    }
    expect(changed).toEqual([]);
  }, 120000);

  test('deletion: every object gone, namespaces finished terminating', async () => {
    kubectlOk(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], stream(all.map((d) => d.obj)));
    if (operatorNamespaces.length > 0) kubectlOk(['delete', 'namespace', '--ignore-not-found', '--wait=false', ...operatorNamespaces]);
    const namespaces = [...all.filter((d) => d.obj.kind === 'Namespace').map((d) => d.obj.metadata.name), ...operatorNamespaces];
    await waitFor(
      `${name}: every object and namespace deleted`,
      () =>
        getStored(all).size === 0 &&
        namespaces.every((ns) => {
          const r = kubectl(['get', 'namespace', ns, '-o', 'name']);
          return r.status !== 0 && r.stderr.includes('NotFound');
        }),
      180000,
    );
    applied = false;
  }, 200000);
});
