#!/usr/bin/env node
// Regenerates imports/ from the operators' CRDs in ../shared/crds.
// Each CRD is copied to a temporary directory with every `description` removed first, so the
// generated bindings hold structure only (no upstream prose). The copies are deleted afterwards.
// Usage: node scripts/import-crds.mjs [--crds DIR]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';

const repo = resolve(new URL('..', import.meta.url).pathname);
const argIdx = process.argv.indexOf('--crds');
const crdDir = argIdx > 0 ? resolve(process.argv[argIdx + 1]) : resolve(repo, '..', 'shared', 'crds');

/** The CRDs the constructs use, relative to the CRD folder; see cdk8s.yaml for their upstream URLs. */
export const CRD_FILES = [
  'spark-operator/sparkoperator.k8s.io_sparkapplications.yaml',
  'spark-operator/sparkoperator.k8s.io_scheduledsparkapplications.yaml',
  'seldon-core/machinelearning.seldon.io_seldondeployments.yaml',
  'kserve/serving.kserve.io_inferenceservices.yaml',
  'keda/keda.sh_scaledobjects.yaml',
  'keda/keda.sh_triggerauthentications.yaml',
  'karpenter/karpenter.sh_nodepools.yaml',
  'argo-workflows/full/argoproj.io_workflowtemplates.yaml',
  'argo-workflows/full/argoproj.io_cronworkflows.yaml',
  'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
  'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
];

/** Removes every `description` key, recursively, in place. */
export function stripDescriptions(node) {
  if (Array.isArray(node)) node.forEach(stripDescriptions);
  else if (node && typeof node === 'object') {
    // A property literally named "description" inside `properties` is structure, not prose: keep it.
    for (const key of Object.keys(node)) {
      if (key === 'description' && typeof node[key] === 'string') delete node[key];
      else stripDescriptions(node[key]);
    }
  }
  return node;
}

function main() {
  if (!existsSync(crdDir)) {
    console.error(`import-crds: CRD folder ${crdDir} not found; pass --crds DIR`);
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'modelplane-crds-'));
  try {
    // cdk8s import writes one file per API group, so CRDs of one group go in one multi-document copy.
    const byGroup = new Map();
    for (const rel of CRD_FILES) {
      const doc = YAML.parse(readFileSync(join(crdDir, rel), 'utf8'), { maxAliasCount: -1 });
      const group = doc.spec.group;
      byGroup.set(group, [...(byGroup.get(group) ?? []), YAML.stringify(stripDescriptions(doc), { lineWidth: 0 })]);
    }
    const copies = [...byGroup.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([group, docs]) => {
        const out = join(work, `${group}.yaml`);
        writeFileSync(out, docs.join('---\n'));
        return out;
      });
    mkdirSync(join(repo, 'imports'), { recursive: true });
    const cli = join(repo, 'node_modules', '.bin', 'cdk8s');
    for (const file of copies) {
      execFileSync(
        cli,
        ['import', file, '--language', 'typescript', '--output', join(repo, 'imports'), '--no-check-upgrade', '--no-save'],
        {
          cwd: work,
          stdio: 'inherit',
        },
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) main();
