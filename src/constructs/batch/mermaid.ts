/**
 * Renders a cascade as Mermaid flowchart text: one subgraph per block (in order), inside it one
 * subgraph per stage (download, run, export) listing the block's models, with arrows block to block
 * and stage to stage. Deterministic; node ids are derived from names (Mermaid-safe).
 */
import { CASCADE_STAGES, CascadeBlockShape } from './stages';

/** A cascade's shape, as the graph needs it. */
export interface CascadeShape {
  /** Cascade name (the graph title). */
  readonly name: string;
  /** Blocks in order, each with its models in order. */
  readonly blocks: readonly CascadeBlockShape[];
}

function id(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9]/g, '_')).join('__');
}

function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

/** Mermaid `flowchart` text of a cascade. */
export function cascadeMermaid(shape: CascadeShape): string {
  const lines: string[] = ['---', `title: ${shape.name}`, '---', 'flowchart TB'];
  for (const b of shape.blocks) {
    lines.push(`  subgraph ${id('b', b.name)}[${label(`block ${b.name}`)}]`);
    lines.push('    direction LR');
    for (const s of CASCADE_STAGES) {
      lines.push(`    subgraph ${id('s', b.name, s)}[${label(s)}]`);
      lines.push('      direction TB');
      for (const m of b.models) lines.push(`      ${id('m', b.name, s, m)}[${label(m)}]`);
      lines.push('    end');
    }
    lines.push(`    ${id('s', b.name, 'download')} --> ${id('s', b.name, 'run')} --> ${id('s', b.name, 'export')}`);
    lines.push('  end');
  }
  for (let i = 1; i < shape.blocks.length; i++) {
    lines.push(`  ${id('b', shape.blocks[i - 1].name)} --> ${id('b', shape.blocks[i].name)}`);
  }
  return `${lines.join('\n')}\n`;
}
