/**
 * `modelplane init`: scaffolds a model repository — package.json, modelplane.yaml, the same pipeline
 * for GitLab CI, GitHub Actions and Jenkins, the two scripts under ci/ they share, a README, and DVC's
 * configuration (`.dvc/config`, `.dvc/.gitignore`) with the team's remote on the platform's object store —
 * without overwriting anything that exists.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { platformContext } from '../../core/context';
import { PackageInfo, packageInfo } from '../../core/package-info';
import { dnsLabelProblem, suggestName } from '../../core/validate';
import { isBucketName } from '../../constructs/mlflow/embedded-object-store';
import { UsageError } from '../config/usage-error';
import {
  APPLY_SCRIPT,
  DIFF_SCRIPT,
  DVC_DEFAULTS,
  DVC_GITIGNORE,
  DvcRemote,
  dvcConfig,
  GITHUB_WORKFLOW,
  GITLAB_CI,
  JENKINSFILE,
  modelplaneYaml,
  readme,
} from './init-templates';

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
  /**
   * The S3 endpoint of the DVC remote (`--object-store-endpoint`): the platform's object store as the team
   * reaches it. @default - the embedded store's in-cluster Service, {@link DVC_DEFAULTS}
   */
  readonly objectStoreEndpoint?: string;
  /** The region the DVC remote's requests are signed for (`--object-store-region`). @default "us-east-1" */
  readonly objectStoreRegion?: string;
  /** The team bucket the DVC remote is in, under the team's prefix (`--bucket`). @default "data" */
  readonly bucket?: string;
}

/** The DVC remote of the scaffold: `s3://<bucket>/<team>/dvc`, named after the team. */
export function dvcRemote(team: string, opts: Pick<InitOptions, 'objectStoreEndpoint' | 'objectStoreRegion' | 'bucket'>): DvcRemote {
  const bucket = opts.bucket ?? DVC_DEFAULTS.bucket;
  return {
    name: team,
    url: `s3://${bucket}/${team}/dvc`,
    endpoint: opts.objectStoreEndpoint ?? DVC_DEFAULTS.endpoint,
    region: opts.objectStoreRegion ?? DVC_DEFAULTS.region,
  };
}

/**
 * An http(s) URL without credentials, query or fragment, and nothing DVC's INI format (configobj) would read
 * otherwise: `#` (a comment), `,` (a list), quotes, spaces, `%(...)s` (interpolation).
 */
const ENDPOINT = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every problem with the options init turns into file contents, each naming the option, the value and a fix. */
function optionProblems(opts: InitOptions): string[] {
  const problems: string[] = [];
  const shown = (v: string) => JSON.stringify(v);
  if (opts.team !== undefined) {
    const p = dnsLabelProblem(opts.team, 40);
    if (p) problems.push(`--team = ${shown(opts.team)}: ${p}. Fix: pass e.g. --team ${suggestName(opts.team, 40)}`);
  }
  if (opts.objectStoreEndpoint !== undefined && !ENDPOINT.test(opts.objectStoreEndpoint)) {
    problems.push(
      `--object-store-endpoint = ${shown(opts.objectStoreEndpoint)}: is not an http(s) URL of an S3 endpoint (scheme, host, optional port and path; no credentials, spaces, "#" or ","). Fix: pass e.g. --object-store-endpoint ${DVC_DEFAULTS.endpoint} (the embedded store) or https://s3.eu-central-1.amazonaws.com`,
    );
  }
  if (opts.objectStoreRegion !== undefined && !REGION.test(opts.objectStoreRegion)) {
    problems.push(
      `--object-store-region = ${shown(opts.objectStoreRegion)}: is not a region name (lower-case letters, digits and "-"). Fix: pass e.g. --object-store-region ${DVC_DEFAULTS.region}`,
    );
  }
  if (opts.bucket !== undefined && !isBucketName(opts.bucket)) {
    problems.push(
      `--bucket = ${shown(opts.bucket)}: is not an S3 bucket name (3-63 lower-case letters, digits, "." and "-"). Fix: pass e.g. --bucket ${DVC_DEFAULTS.bucket} (the platform's team bucket for datasets)`,
    );
  }
  return problems;
}

/** The team of a scaffold without `--team`: a name made from the directory's. */
export function scaffoldTeam(dir: string): string {
  return suggestName(basename(resolve(dir)), 40);
}

/** The files init writes, relative to the directory; a bad option is a {@link UsageError} naming every problem. */
export function scaffoldFiles(opts: InitOptions): Record<string, string> {
  const problems = optionProblems(opts);
  // The CLI prefixes the first line with "modelplane: "; every other problem gets the same.
  if (problems.length > 0) throw new UsageError(problems.join('\nmodelplane: '));
  const dirName = basename(resolve(opts.dir));
  const team = opts.team ?? scaffoldTeam(opts.dir);
  const remote = dvcRemote(team, opts);
  const platform = platformContext();
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
    'README.md': readme({
      team,
      remote,
      credentialsSecret: platform.objectStore.credentialsSecret,
      mlflowTrackingUri: platform.mlflowTrackingUri,
    }),
    '.dvc/config': dvcConfig(remote),
    '.dvc/.gitignore': DVC_GITIGNORE,
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
