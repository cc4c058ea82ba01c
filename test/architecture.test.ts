/**
 * The direction of dependencies (core -> constructs -> front ends -> stacks) is enforced by the lint
 * rule `import/no-restricted-paths` in eslint.config.mjs, which `npm test` runs over the tree. These
 * cases show the rule failing on each kind of violation (and passing a legal import), so a change to
 * the config that silently disables it fails here.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.join(__dirname, '..');

/**
 * The restricted-path messages for `code` as if it were the file `file`. ESLint runs as its own process
 * (as `npm run lint` runs it): its flat config is an ES module, which jest's module system cannot load.
 */
async function violations(file: string, code: string): Promise<string[]> {
  const eslint = path.join(root, 'node_modules', '.bin', 'eslint');
  const r = spawnSync(eslint, ['--stdin', '--stdin-filename', file, '--format', 'json'], { cwd: root, input: code, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`eslint failed (${r.status}): ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as Array<{ messages: Array<{ ruleId: string | null; message: string }> }>;
  return result.messages.filter((m) => m.ruleId === 'import/no-restricted-paths').map((m) => m.message);
}

const cases: Array<[string, string, string, RegExp]> = [
  [
    'core imports a construct',
    'src/core/fixture.ts',
    "import { TeamModels } from '../constructs/team-models';",
    /src\/core is the bottom layer/,
  ],
  [
    'core imports a generated binding',
    'src/core/fixture.ts',
    "import { ScaledObject } from '../../imports/keda.sh';",
    /src\/core is the bottom layer/,
  ],
  [
    'a construct imports a front end',
    'src/constructs/fixture.ts',
    "import { run } from '../frontends/cli/main';",
    /Constructs sit below the front ends/,
  ],
  [
    'a construct imports the package entry',
    'src/constructs/online/fixture.ts',
    "import { App } from '../../index';",
    /Constructs sit below the front ends/,
  ],
  [
    'a front end imports the stacks',
    'src/frontends/cli/fixture.ts',
    "import { defaultConfig } from '../../../stacks/build';",
    /never the package entry or the deployable stacks/,
  ],
  ['the config loader imports the CLI', 'src/frontends/config/fixture.ts', "import { run } from '../cli/main';", /imports none of them/],
];

describe('the direction of imports is enforced by lint', () => {
  test.each(cases)('%s: refused', async (_what, file, code, message) => {
    const found = await violations(file, `${code}\nexport const x = 1;\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  test('imports down the layers pass', async () => {
    const code = [
      "import { Validator } from '../../core/errors';",
      "import { TeamModels } from '../../constructs/team-models';",
      'export const x = [Validator, TeamModels];',
      '',
    ].join('\n');
    expect(await violations('src/frontends/cli/fixture.ts', code)).toEqual([]);
  });
});
