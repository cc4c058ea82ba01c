// ESLint (flat config), run by `npm run lint` inside `npm test`. Besides the usual TypeScript rules it
// enforces the architecture: dependencies point one way (core -> constructs -> front ends), every
// exported declaration is documented, optional props say their default, and no function of the product
// grows past 60 lines.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import jsdoc from 'eslint-plugin-jsdoc';
import modelplane from './tools/eslint/plugin.mjs';

/** The layers, lowest first; each may import only from the layers before it. */
const LAYERS = {
  core: './src/core',
  constructs: './src/constructs',
  frontends: './src/frontends',
};

/** `import/no-restricted-paths` zones: what each folder must never import. */
const zones = [
  {
    target: LAYERS.core,
    from: [LAYERS.constructs, LAYERS.frontends, './src/index.ts', './stacks', './imports'],
    message: 'src/core is the bottom layer: it imports no construct, front end or generated binding.',
  },
  {
    target: LAYERS.constructs,
    from: [LAYERS.frontends, './src/index.ts', './stacks'],
    message: 'Constructs sit below the front ends: move the shared piece down into src/core or the construct.',
  },
  {
    target: LAYERS.frontends,
    from: ['./src/index.ts', './stacks'],
    message: 'Front ends import the layers below them, never the package entry or the deployable stacks.',
  },
  {
    target: './src/frontends/config',
    from: ['./src/frontends/cli', './src/frontends/pulumi'],
    message: 'The configuration loader serves the CLI, the cdk8s app and the Pulumi program; it imports none of them.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'imports/**',
      'node_modules/**',
      'build/**',
      'dist/**',
      '**/dist/**',
      'docs/reference/**',
      'examples/**/node_modules/**',
      '.bench/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    plugins: { import: importPlugin },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      'import/no-restricted-paths': ['error', { zones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs', 'scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests, benchmarks and tool configs: casts and require() are fine there.
    files: ['test/**/*.ts', 'test/**/*.js', 'bench/**/*.ts', '**/jest.config.js'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The product: documented, small functions.
    files: ['src/**/*.ts', 'stacks/**/*.ts'],
    plugins: { jsdoc, modelplane },
    rules: {
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: true,
          require: { FunctionDeclaration: true, ClassDeclaration: true, MethodDefinition: true },
          contexts: [
            'TSInterfaceDeclaration',
            'TSTypeAliasDeclaration',
            'TSEnumDeclaration',
            'ExportNamedDeclaration > VariableDeclaration',
            'TSPropertySignature',
          ],
          checkConstructors: false,
        },
      ],
      'modelplane/optional-prop-default': 'error',
      // The product uses only cdk8s-plus's generated Kubernetes bindings; its entry loads all of cdk8s-plus
      // (about 100 ms of every CLI command's start-up).
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'cdk8s-plus-28',
              message: "import * as k8s from 'cdk8s-plus-28/lib/imports/k8s' (the bindings alone load in a third of the time).",
            },
          ],
        },
      ],
    },
  },
  {
    // Generated from schema/modelplane.schema.json by `npm run gen:config-types`: checked for staleness by a test, not by hand.
    files: ['src/frontends/config/generated/**'],
    rules: { 'jsdoc/require-jsdoc': 'off', 'max-lines-per-function': 'off', 'modelplane/optional-prop-default': 'off' },
  },
);
