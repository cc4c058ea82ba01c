/**
 * The Pulumi bridge's peer dependencies. `@pulumi/pulumi` and `@pulumi/kubernetes` are optional peer
 * dependencies of modelplane, so a repository that only synthesizes manifests installs neither; the
 * `modelplane/pulumi` entry checks for them first and names the missing ones and the install command.
 */

/** The Pulumi packages the bridge needs, with the versions modelplane is tested with. */
export const PULUMI_PEERS: Readonly<Record<string, string>> = { '@pulumi/pulumi': '3.259.0', '@pulumi/kubernetes': '4.25.0' };

/**
 * The problem when a Pulumi peer cannot be resolved, or undefined when all can.
 * @param resolve resolves a package name, throwing when it is not installed. @default require.resolve
 */
export function missingPulumiPeers(resolve: (name: string) => string = require.resolve): string | undefined {
  const missing = Object.keys(PULUMI_PEERS).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return undefined;
  const install = Object.entries(PULUMI_PEERS)
    .map(([name, version]) => `${name}@${version}`)
    .join(' ');
  return (
    `modelplane/pulumi needs the package${missing.length === 1 ? '' : 's'} ${missing.join(' and ')}, not installed ` +
    `(they are optional peer dependencies of modelplane, so YAML-only repositories do without them). Fix: npm install ${install}`
  );
}

/** Throws {@link missingPulumiPeers}'s problem, if any. */
export function requirePulumiPeers(): void {
  const problem = missingPulumiPeers();
  if (problem) throw new Error(problem);
}
