/**
 * The YAML cases of the bad-input corpus (`yaml/*.yaml`) and how they are run through the CLI. A case declares
 * what the message must say in its header: `# expect: TEXT` lines (all in one message line), optional
 * `# args: ...` (extra CLI arguments, paths relative to yaml/) and `# as: platform` (given with --platform).
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../../src/frontends/cli/main';

/** The folder of the YAML cases. */
export const YAML_DIR = path.join(__dirname, 'yaml');

/** One YAML case. */
export interface YamlCase {
  readonly file: string;
  readonly expect: string[];
  readonly args: string[];
  /** `platform`: the file is given with --platform instead of -f. */
  readonly as: string;
}

/** Every YAML case, sorted by file name (files starting with `_` are helpers, not cases). */
export function yamlCases(): YamlCase[] {
  return fs
    .readdirSync(YAML_DIR)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .sort()
    .map((file) => {
      const text = fs.readFileSync(path.join(YAML_DIR, file), 'utf8');
      const header = (key: string) => [...text.matchAll(new RegExp(`^# ${key}: (.*)$`, 'gm'))].map((m) => m[1].trim());
      return { file, expect: header('expect'), args: header('args').flatMap((a) => a.split(/\s+/)), as: header('as')[0] ?? 'team' };
    });
}

/** A case's argument naming a file (`_platform-small.yaml`) as its path in {@link YAML_DIR}; other arguments as they are. */
function inYamlDir(arg: string): string {
  return arg.endsWith('.yaml') && !path.isAbsolute(arg) ? path.join(YAML_DIR, arg) : arg;
}

/** Runs the CLI command (`synth`, `validate`) on a case with `extra` arguments; returns the exit code and what it printed. */
export function runCase(y: YamlCase, command: string, extra: readonly string[] = []): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = run(
    [command, ...y.args.map(inYamlDir), y.as === 'platform' ? '--platform' : '-f', path.join(YAML_DIR, y.file), ...extra],
    {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    },
    YAML_DIR,
  );
  return { code, out, err };
}
