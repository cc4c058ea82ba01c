/**
 * NetworkPolicy building blocks every construct shares: peers by namespace name, ports, and the DNS
 * egress rule every default-deny namespace needs.
 */
import { k8s } from 'cdk8s-plus-28';

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
