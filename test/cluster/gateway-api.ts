/**
 * Gateway API CRDs for the cluster tier. The deployment backend of OnlineModel splits traffic with a
 * Gateway API HTTPRoute, but ../shared/crds holds no Gateway API CRD, so the tier takes them from the
 * Go module sigs.k8s.io/gateway-api (from the Go module proxy into Go's module cache, nothing copied
 * into the repository) and registers the standard-channel CRDs of the kinds our output uses.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { kubectl, waitFor } from './kube';

/** The pinned Gateway API release (its v1 HTTPRoute has weighted backendRefs and RequestMirror). */
export const GATEWAY_API_MODULE = 'sigs.k8s.io/gateway-api@v1.4.0';

/** API group of the Gateway API. */
export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Downloads the module (cached by Go) and returns its directory. */
export function gatewayApiDir(): string {
  const r = spawnSync('go', ['mod', 'download', '-json', GATEWAY_API_MODULE], {
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  if (r.error || r.status !== 0) {
    throw new Error(`go mod download ${GATEWAY_API_MODULE} failed: ${r.error?.message ?? r.stdout + r.stderr}`);
  }
  return (JSON.parse(r.stdout) as { Dir: string }).Dir;
}

/**
 * Registers the standard-channel CRD of every Gateway API kind in `kinds` (e.g. ["HTTPRoute"]) and
 * waits until each is established. Returns the CRD names.
 */
export async function registerGatewayApiCrds(kinds: readonly string[]): Promise<string[]> {
  if (kinds.length === 0) return [];
  const dir = path.join(gatewayApiDir(), 'config', 'crd', 'standard');
  const names: string[] = [];
  const wanted = new Set(kinds);
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as { kind?: string; metadata?: { name: string }; spec?: { names?: { kind?: string } } } | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !wanted.has(crd.spec?.names?.kind ?? '')) continue;
      const r = kubectl(
        ['apply', '--server-side', '--force-conflicts', '--field-manager=modelplane-test-crds', '-f', '-'],
        JSON.stringify(crd),
      );
      if (r.status !== 0) throw new Error(`registering ${crd.metadata?.name} from ${file} failed:\n${r.stderr}`);
      names.push(crd.metadata!.name);
      wanted.delete(crd.spec!.names!.kind!);
    }
  }
  if (wanted.size > 0) throw new Error(`${GATEWAY_API_MODULE} has no standard CRD for: ${[...wanted].join(', ')}`);
  for (const name of names) {
    await waitFor(
      `CRD ${name} established`,
      () => kubectl(['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']).stdout === 'True',
    );
  }
  return names;
}
