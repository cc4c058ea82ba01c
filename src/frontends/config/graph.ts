/** The Mermaid view of a cascade, rendered by the Cascade construct's own renderer (src/constructs/batch/mermaid.ts). */
import { Cascade } from '../../constructs/batch/cascade';
import type { Construct } from 'constructs';

/** Mermaid flowchart text of a cascade built from a configuration file. */
export function cascadeGraph(cascade: Construct): string {
  if (!(cascade instanceof Cascade)) throw new Error(`"${cascade.node.id}" is not a Cascade`);
  return cascade.graph().replace(/\n$/, '');
}
