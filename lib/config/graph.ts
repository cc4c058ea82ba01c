/** The Mermaid view of a cascade, rendered by the Cascade construct's own renderer. */
import type { Construct } from 'constructs';

/** Mermaid flowchart text of a cascade construct. */
export function cascadeGraph(cascade: Construct): string {
  throw new Error(`Cascade "${cascade.node.id}": graphs are rendered by the Cascade construct, which this build does not include yet`);
}
