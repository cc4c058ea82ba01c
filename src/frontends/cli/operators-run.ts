/** The actions of `modelplane operators` and `modelplane prerequisites` (see ./operators.ts). */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { helmInstallScript } from '../../constructs/platform/operators/helm-addon';
import { Platform } from '../../constructs/platform/platform';
import { treeProvidedObjects } from '../../constructs/reference-check';
import { describeRef, prerequisiteCommand } from '../../core/references';
import { synthToTemp } from '../config/synth';
import type { OperatorCommandDeps } from './operators';

/** Builds like `validate` (reference check included) into a temporary directory, removed after; the Platform of the App. */
export function builtPlatform(deps: OperatorCommandDeps, o: { platform?: string; file?: string[] }): Platform {
  let found: Platform | undefined;
  const { dir, issues } = synthToTemp(join(tmpdir(), 'modelplane-check'), (app) => {
    if (!o.platform) {
      // No platform file: the platform on modelplane's defaults (no teams), with the team files given.
      found = new Platform(app, 'platform');
      return (o.file ?? []).length > 0 ? deps.build(app, { file: o.file }) : { issues: [] };
    }
    const r = deps.build(app, { platform: o.platform, file: o.file ?? [] });
    found = app.node.findAll().find((c): c is Platform => c instanceof Platform);
    return r;
  });
  if (!dir) deps.fail(issues);
  rmSync(dir, { recursive: true, force: true });
  return found!;
}

/** The install script of the platform's operators, values as YAML with sorted keys. */
export function operatorsScript(platform: Platform): string {
  return helmInstallScript(platform.operators, (v) => YAML.stringify(v, { sortMapEntries: true, lineWidth: 0 }));
}

/**
 * The install script of the teams' JupyterHub releases (after the output is applied), values as YAML with
 * sorted keys; a comment saying so when no team has a workspace.
 */
export function workspacesScript(platform: Platform): string {
  if (platform.teamReleases.length === 0)
    return '# No team has a workspace: add workspace: { ... } to a team of the platform file (see docs/cookbook/notebooks.md).\n';
  return helmInstallScript(platform.teamReleases, (v) => YAML.stringify(v, { sortMapEntries: true, lineWidth: 0 }));
}

/** The prerequisites list of a built platform: operators, external prerequisites with their commands, objects created in-cluster. */
export function prerequisitesText(platform: Platform): string {
  const lines: string[] = [];
  lines.push('1. Operators (install first: `modelplane operators` prints the script)');
  for (const a of platform.addOns)
    lines.push(`   ${a.name}: ${a.charts.map((c) => `${c.releaseName} ${c.chart} ${c.version} in namespace ${c.namespace}`).join('; ')}`);
  for (const r of platform.teamReleases)
    lines.push(
      `   workspace of team ${r.namespace} (after applying the output: \`modelplane operators --workspaces\`): ${r.releaseName} ${r.chart} ${r.version}`,
    );
  lines.push('', '2. External prerequisites (create before applying the output)');
  if (platform.prerequisites.length === 0) lines.push('   none');
  for (const p of platform.prerequisites) {
    lines.push(`   ${describeRef(p)}${p.description ? ` — ${p.description}` : ''}`);
    lines.push(`     ${prerequisiteCommand(p)}`);
  }
  lines.push('', '3. Created in the cluster, not by the output (nothing to do)');
  const all = treeProvidedObjects(platform.node.scope!);
  const objects = all.filter((p) => p.kind !== 'CustomResourceDefinition');
  if (objects.length === 0) lines.push('   none');
  for (const p of objects) lines.push(`   ${describeRef(p)} — by ${p.providedBy}`);
  const crds = all.length - objects.length;
  lines.push(`   ${crds} CustomResourceDefinitions — by the operators' Helm releases above`);
  return `${lines.join('\n')}\n`;
}
