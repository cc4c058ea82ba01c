/**
 * Helpers for the cluster tier: run the kubectl built by scripts/kube/install.sh against the cluster that
 * scripts/kube/with-cluster.sh started (KUBECONFIG). Nothing here talks to anything but that loopback server.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

export const repoRoot = path.resolve(__dirname, '../..');

/** Where the upstream CRDs live: ../shared/crds beside the repository (override: MODELPLANE_CRDS_DIR). */
export const crdsDir = process.env.MODELPLANE_CRDS_DIR ?? path.resolve(repoRoot, '../shared/crds');

export interface KubectlResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Fails with a clear message when the tier is run without a cluster (instead of talking to some other one). */
export function requireCluster(): void {
  if (!process.env.KUBECONFIG || !process.env.MODELPLANE_KUBECTL) {
    throw new Error(
      'KUBECONFIG and MODELPLANE_KUBECTL are not set: run this tier with `npm run test:cluster` ' +
        '(scripts/kube/with-cluster.sh starts the local control plane and sets them)',
    );
  }
}

/** Runs kubectl with the given arguments; `input` is written to its stdin (use `-f -`). */
export function kubectl(args: string[], input?: string): KubectlResult {
  const bin = process.env.MODELPLANE_KUBECTL ?? 'kubectl';
  const r = spawnSync(bin, args, {
    input,
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 256 * 1024 * 1024,
    timeout: 110000,
  });
  if (r.error) {
    throw r.error;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like kubectl(), but throws with kubectl's stderr when it fails. */
export function kubectlOk(args: string[], input?: string): KubectlResult {
  const r = kubectl(args, input);
  if (r.status !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  }
  return r;
}

/**
 * Server-side apply of the given objects, sent on stdin as a stream of JSON documents; dryRun sends
 * --dry-run=server. (Not as a v1 List: kubectl cannot tell whether the server validates a List's fields, so it
 * would fall back to its own client-side schema check, and the server's validation would not be what is tested.)
 */
export function serverSideApply(objects: object[], opts: { dryRun?: boolean; namespace?: string } = {}): KubectlResult {
  const args = ['apply', '--server-side', '--field-manager=modelplane-test', '-f', '-'];
  if (opts.dryRun) {
    args.push('--dry-run=server');
  }
  if (opts.namespace) {
    args.push('-n', opts.namespace);
  }
  return kubectl(args, objects.map((o) => JSON.stringify(o)).join('\n---\n') + '\n');
}

export interface CrdFile {
  file: string;
  name: string;
}

/** Every CRD file that scripts/kube/register-crds.sh registers (Argo's minimal variants are skipped; module-crds.sh's added). */
export function crdFiles(): CrdFile[] {
  const out: CrdFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (p.endsWith(path.join('argo-workflows', 'minimal'))) continue;
        walk(p);
      } else if (/\.ya?ml$/.test(entry.name)) {
        for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
          const obj = doc.toJS() as { kind?: string; metadata?: { name?: string } } | null;
          if (obj?.kind === 'CustomResourceDefinition' && obj.metadata?.name) {
            out.push({ file: p, name: obj.metadata.name });
          }
        }
      }
    }
  };
  walk(crdsDir);
  // The CRDs the output needs that ../shared/crds lacks, from the operators' Go modules (as register-crds.sh does).
  const r = spawnSync('bash', [path.join(repoRoot, 'scripts/kube/module-crds.sh')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/kube/module-crds.sh exited ${r.status}:\n${r.stderr}`);
  for (const file of r.stdout.split('\n').filter((l) => l !== '')) {
    const obj = parseAllDocuments(fs.readFileSync(file, 'utf8'))[0].toJS() as { metadata: { name: string } };
    out.push({ file, name: obj.metadata.name });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Polls `check` every 500 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A namespace name unique to this run, so tiers can share one cluster. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}
