/**
 * Helpers for the real-engine tier: run the `pulumi` CLI that scripts/pulumi/install.sh builds (put on PATH
 * by scripts/pulumi/env.sh) against throwaway Pulumi projects in a temp directory, with a local file state
 * backend and a passphrase secrets provider. Nothing here talks to anything but local files and, for the
 * API-server tests, the loopback kube-apiserver that scripts/kube/with-cluster.sh started.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const repoRoot = path.resolve(__dirname, '../..');

/** The @pulumi/pulumi version the engine must match (package.json pin). */
export const pulumiVersion: string = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).dependencies[
  '@pulumi/pulumi'
];

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Fails with a clear message when the tier runs without the engine on PATH. */
export function requireEngine(): void {
  const r = spawnSync('pulumi', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(
      '`pulumi` is not on PATH: run this tier with `npm run test:pulumi-real` ' +
        '(it sources scripts/pulumi/env.sh, which builds the engine from the Go module proxy)',
    );
  }
  if (r.stdout.trim() !== `v${pulumiVersion}`) {
    throw new Error(`pulumi on PATH is ${r.stdout.trim()}, package.json pins @pulumi/pulumi ${pulumiVersion}`);
  }
}

/** A Pulumi project in a fresh temp directory, with its own state backend and stack `test`. */
export class Project {
  readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;

  /** `files` maps relative paths to contents; node_modules is a link to the repository's. */
  constructor(name: string, files: Record<string, string>) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `modelplane-pulumi-${name}-`));
    const state = path.join(this.dir, '.state');
    fs.mkdirSync(state);
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(this.dir, 'node_modules'), 'dir');
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(this.dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(this.dir, rel), text);
    }
    this.env = {
      ...process.env,
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: 'modelplane-test-passphrase',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      // No colours or progress bars in captured output.
      NO_COLOR: '1',
    };
  }

  /** Runs `pulumi ARGS` in the project directory. */
  run(args: string[]): RunResult {
    const started = Date.now();
    const r = spawnSync('pulumi', [...args, '--non-interactive'], {
      cwd: this.dir,
      env: this.env,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 280000,
    });
    if (r.error) {
      throw r.error;
    }
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
  }

  /** Like run(), but throws with the CLI's output when it exits non-zero. */
  ok(args: string[]): RunResult {
    const r = this.run(args);
    if (r.status !== 0) {
      throw new Error(`pulumi ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
    }
    return r;
  }

  /** `pulumi stack output --json --show-secrets`. */
  outputs(): Record<string, unknown> {
    return JSON.parse(this.ok(['stack', 'output', '--json', '--show-secrets']).stdout);
  }

  /** Types of the resources in the stack's state (`pulumi stack export`). */
  resourceTypes(): string[] {
    const state = JSON.parse(this.ok(['stack', 'export']).stdout);
    return (state.deployment.resources ?? []).map((r: { type: string }) => r.type).sort();
  }

  /** Removes the temp directory (state included). */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The step operations (`create`, `same`, `update`, ...) per resource type from `pulumi preview --json`. */
export function previewSteps(previewJson: string): Array<{ op: string; type: string }> {
  const preview = JSON.parse(previewJson);
  return (preview.steps ?? []).map((s: { op: string; urn: string }) => ({
    op: s.op,
    type: s.urn.split('::')[2],
  }));
}
