/**
 * `modelplane init`: scaffolds a model repository — package.json, modelplane.yaml, the same pipeline
 * for GitLab CI, GitHub Actions and Jenkins, and the two scripts under ci/ they share — without
 * overwriting anything that exists.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PackageInfo, packageInfo } from '../../core/package-info';
import { suggestName } from '../../core/validate';
import { UsageError } from '../config/usage-error';
import { APPLY_SCRIPT, DIFF_SCRIPT, GITHUB_WORKFLOW, GITLAB_CI, JENKINSFILE, modelplaneYaml } from './init-templates';

/** Options of {@link scaffold}. */
export interface InitOptions {
  /** Directory to scaffold into (created if missing). */
  readonly dir: string;
  /** Team name. @default - derived from the directory name */
  readonly team?: string;
  /**
   * The npm spec of the modelplane dependency written into package.json.
   * @default - {@link defaultPackageSpec}: the package init runs from
   */
  readonly packageSpec?: string;
  /** Overwrite existing files. @default false */
  readonly force?: boolean;
}

/** The files init writes, relative to the directory. */
export function scaffoldFiles(opts: InitOptions): Record<string, string> {
  const dirName = basename(resolve(opts.dir));
  const team = opts.team ?? suggestName(dirName, 40);
  const pkg = {
    name: suggestName(dirName, 200),
    private: true,
    description: `Models of team ${team}, deployed with modelplane`,
    scripts: {
      validate: 'modelplane validate -f modelplane.yaml',
      synth: 'modelplane synth -f modelplane.yaml -o dist',
      diff: 'modelplane diff -f modelplane.yaml -o dist',
    },
    devDependencies: { modelplane: opts.packageSpec ?? defaultPackageSpec() },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'modelplane.yaml': modelplaneYaml(team),
    '.gitlab-ci.yml': GITLAB_CI,
    '.github/workflows/modelplane.yml': GITHUB_WORKFLOW,
    Jenkinsfile: JENKINSFILE,
    'ci/modelplane-diff.sh': DIFF_SCRIPT,
    'ci/modelplane-apply.sh': APPLY_SCRIPT,
    '.gitignore': 'node_modules/\ndist/\n.modelplane-base/\n',
  };
}

/** Writes the scaffold; refuses to overwrite existing files unless `force`. Returns the files written. */
export function scaffold(opts: InitOptions): string[] {
  const files = scaffoldFiles(opts);
  const existing = Object.keys(files).filter((f) => existsSync(join(opts.dir, f)));
  if (existing.length > 0 && !opts.force) {
    throw new UsageError(
      `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${opts.dir}. Fix: run init in a new directory, or pass --force to overwrite`,
    );
  }
  for (const [rel, text] of Object.entries(files)) {
    const path = join(opts.dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    // The scripts under ci/ are run as `sh ci/...`, and executable for running them by hand.
    if (rel.endsWith('.sh')) chmodSync(path, 0o755);
  }
  return Object.keys(files);
}

/**
 * The modelplane dependency that installs the package init runs from: `^VERSION` when that package was
 * installed from a registry; `file:` and the absolute path of the tarball or directory it was installed
 * from otherwise (read from the installing project's lock file); its other resolved spec (a git or
 * tarball URL) as it is; and `file:` and the directory itself for a source checkout.
 * @param info the package. @default - modelplane's own
 */
export function defaultPackageSpec(info: PackageInfo = packageInfo()): string {
  const root = realpathSync(info.root);
  const parent = dirname(root);
  // Installed: .../node_modules/modelplane (or .../node_modules/@scope/name); a checkout is not.
  const nodeModules = basename(parent) === 'node_modules' ? parent : basename(dirname(parent)) === 'node_modules' ? dirname(parent) : '';
  if (!nodeModules) return `file:${root}`;
  const project = dirname(nodeModules);
  const key = `node_modules/${root
    .slice(nodeModules.length + 1)
    .split('\\')
    .join('/')}`;
  const resolved = lockedResolution(project, key);
  if (resolved === undefined || isRegistryTarball(resolved, info)) return `^${info.version}`;
  return resolved.startsWith('file:') ? `file:${resolve(project, resolved.slice('file:'.length))}` : resolved;
}

/** `resolved` of the lock-file entry `key` in the project's hidden or top-level lock file. */
function lockedResolution(project: string, key: string): string | undefined {
  for (const lock of [join(project, 'node_modules', '.package-lock.json'), join(project, 'package-lock.json')]) {
    try {
      const json = JSON.parse(readFileSync(lock, 'utf8')) as { packages?: Record<string, { resolved?: unknown }> };
      const resolved = json.packages?.[key]?.resolved;
      if (typeof resolved === 'string') return resolved;
    } catch {
      // no such lock file, or not one npm wrote: try the next
    }
  }
  return undefined;
}

/** Whether `resolved` is a registry's tarball of this package, such as `https://registry.example/modelplane/-/modelplane-0.1.0.tgz`. */
function isRegistryTarball(resolved: string, info: PackageInfo): boolean {
  const base = info.name.split('/').pop()!;
  return /^https?:\/\//.test(resolved) && resolved.endsWith(`/${info.name}/-/${base}-${info.version}.tgz`);
}
