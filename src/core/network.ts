/**
 * NetworkPolicy building blocks every construct shares: peers by namespace name, ports, the DNS
 * egress rule every default-deny namespace needs, and egress to the API server by its addresses.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ApiServerRef, DEFAULT_API_SERVER } from './context';
import type { Validator } from './errors';
import { duplicates, isRecord } from './records';

/** The label the API server puts on every namespace with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A peer selecting every pod of the namespace `name`. */
export function namespacePeer(name: string): k8s.NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } };
}

/** A policy port. @param port the port number @param protocol `TCP` or `UDP` */
export function policyPort(port: number, protocol: 'TCP' | 'UDP' = 'TCP'): k8s.NetworkPolicyPort {
  return { port: k8s.IntOrString.fromNumber(port), protocol };
}

/** Egress to the cluster's DNS in kube-system, over UDP and TCP. */
export function dnsEgress(): k8s.NetworkPolicyEgressRule {
  return { to: [namespacePeer('kube-system')], ports: [policyPort(53, 'UDP'), policyPort(53, 'TCP')] };
}

/** Egress to the Kubernetes API server by its addresses: one rule, `to` the CIDRs, on the ports. */
export function apiServerEgress(api: ApiServerRef): k8s.NetworkPolicyEgressRule {
  return { to: api.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: api.ports.map((p) => policyPort(p)) };
}

/** An address as a number and its width in bits (32 or 128), or undefined when `text` is none. */
function parseAddress(text: string): { bits: bigint; width: number } | undefined {
  const v4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (v4) {
    const octets = v4.slice(1).map(Number);
    if (octets.some((o) => o > 255)) return undefined;
    return { bits: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), width: 32 };
  }
  // IPv6: hex groups with at most one "::"; no embedded IPv4 and no zone (the API server warns on both).
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split('::').length > 2) return undefined;
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - h.length - t.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...h, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...t];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}

/**
 * What is wrong with a CIDR for a NetworkPolicy `ipBlock`, or undefined when it is fine: an IPv4 or
 * IPv6 address in canonical digits with a prefix length, and no address bits set after the prefix
 * (the API server warns about those).
 */
export function cidrProblem(value: unknown): { problem: string; fix: string } | undefined {
  const m = /^([^/]+)\/(0|[1-9]\d{0,2})$/.exec(typeof value === 'string' ? value : '');
  const addr = m ? parseAddress(m[1]) : undefined;
  if (!m || !addr || Number(m[2]) > addr.width)
    return { problem: 'is not a CIDR (an IPv4 or IPv6 address and a prefix length)', fix: 'write it like "172.18.0.2/32" or "fd00::/64"' };
  const prefix = Number(m[2]);
  const host = (1n << BigInt(addr.width - prefix)) - 1n;
  if ((addr.bits & host) === 0n) return undefined;
  const network = formatAddress(addr.bits & ~host, addr.width);
  return {
    problem: 'has address bits set after its prefix length',
    fix: `write the network, "${network}/${prefix}", or the address as "${m[1]}/${addr.width}"`,
  };
}

/** The address `bits` in the usual notation (IPv6 without "::" compression, which is valid too). */
function formatAddress(bits: bigint, width: number): string {
  if (width === 32) return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 255n)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

/** True for a CIDR a NetworkPolicy `ipBlock` takes without a warning (see {@link cidrProblem}). */
export function isCidr(value: unknown): boolean {
  return cidrProblem(value) === undefined;
}

/** True for a CIDR of every address (`0.0.0.0/0`, `::/0`): an `ipBlock` of it is no restriction at all. */
export function isEveryAddress(cidr: unknown): boolean {
  return typeof cidr === 'string' && /\/0$/.test(cidr);
}

/** Where the endpoints' addresses are listed, for the fixes. */
const ENDPOINTS = 'the addresses of `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`';

/**
 * Checks where pods reach the API server (`field` names it, e.g. `apiServer`) and fills the defaults
 * of {@link DEFAULT_API_SERVER} for what is not given: at least one CIDR, none of every address, and
 * at least one port. Returns the resolved setting, or the defaults when it is invalid (the issues are
 * recorded), so that the parts resolved with it report only their own problems.
 */
export function checkApiServer(v: Validator, field: string, given: Partial<ApiServerRef> | undefined): ApiServerRef {
  const shaped = v.check(
    given === undefined || isRecord(given),
    field,
    given,
    'must be a map with cidrs and ports',
    'write e.g. { cidrs: ["172.18.0.2/32"], ports: [6443] }',
  );
  if (!shaped || given === undefined) return DEFAULT_API_SERVER;
  const cidrs = given.cidrs ?? DEFAULT_API_SERVER.cidrs;
  const ports = given.ports ?? DEFAULT_API_SERVER.ports;
  const cidrsOk = checkCidrList(v, `${field}.cidrs`, cidrs);
  const portsOk = checkPortList(v, `${field}.ports`, ports);
  return cidrsOk && portsOk ? { cidrs: [...cidrs], ports: [...ports] } : DEFAULT_API_SERVER;
}

/** At least one CIDR, each valid and none of every address, none twice. Returns whether all passed. */
function checkCidrList(v: Validator, field: string, cidrs: readonly string[]): boolean {
  const listed = v.check(
    Array.isArray(cidrs) && cidrs.length > 0,
    field,
    cidrs,
    'must list at least one CIDR',
    `list ${ENDPOINTS}, e.g. ["172.18.0.2/32"]`,
  );
  if (!listed) return false;
  let ok = true;
  cidrs.forEach((c, i) => {
    const everything = {
      problem: 'is every address: it reopens default-deny egress to the whole internet',
      fix: `list ${ENDPOINTS}, each as address/32`,
    };
    const bad = cidrProblem(c) ?? (isEveryAddress(c) ? everything : undefined);
    if (bad) ok = v.check(false, `${field}[${i}]`, c, bad.problem, bad.fix);
  });
  for (const d of duplicates(cidrs.map(String))) ok = v.check(false, field, d, 'names the same CIDR twice', 'list each CIDR once');
  return ok;
}

/** At least one port, each 1-65535, none twice. Returns whether all passed. */
function checkPortList(v: Validator, field: string, ports: readonly number[]): boolean {
  const fix = "write e.g. [443, 6443] (the endpoints' port: 6443 for kubeadm and kind, 443 for most managed clusters)";
  if (!v.check(Array.isArray(ports) && ports.length > 0, field, ports, 'must list at least one port', fix)) return false;
  let ok = true;
  ports.forEach((p, i) => {
    const port = Number.isInteger(p) && p >= 1 && p <= 65535;
    ok = v.check(port, `${field}[${i}]`, p, 'is not a port (a whole number from 1 to 65535)', 'write e.g. 6443') && ok;
  });
  for (const d of duplicates(ports.map(String))) ok = v.check(false, field, Number(d), 'names the same port twice', 'list each port once');
  return ok;
}
