/**
 * `modelplane init`: scaffolds a model repository — package.json, modelplane.yaml, a GitLab CI job
 * and a GitHub Actions workflow — without overwriting anything that exists.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { suggestName } from '../../core/validate';
import { UsageError } from '../config/synth';

/** Options of {@link scaffold}. */
export interface InitOptions {
  /** Directory to scaffold into (created if missing). */
  readonly dir: string;
  /** Team name. @default - derived from the directory name */
  readonly team?: string;
  /** The npm version spec of modelplane to depend on. */
  readonly packageSpec: string;
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
    devDependencies: { modelplane: opts.packageSpec },
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'modelplane.yaml': modelplaneYaml(team),
    '.gitlab-ci.yml': GITLAB_CI,
    '.github/workflows/modelplane.yml': GITHUB_WORKFLOW,
    '.gitignore': 'node_modules/\ndist/\n',
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
  }
  return Object.keys(files);
}

function modelplaneYaml(team: string): string {
  return `# yaml-language-server: $schema=./node_modules/modelplane/schema/modelplane.schema.json
# Your team's models. \`npx modelplane validate\` checks this file; \`npx modelplane synth -o dist\`
# writes the Kubernetes manifests and Airflow DAGs your CI applies. Reference: modelplane's docs/.
team: ${team}

# Merged into every model that does not set the value itself.
defaults:
  image: docker.io/apache/spark:3.5.3-python3
  python: "3.11"
  spark:
    version: "3.5.3"
    driver: { cores: 1, memory: 2g }
    executor: { instances: 2, cores: 2, memory: 4g }

models:
  # A batch model: scored with Spark every night; trained every Sunday.
  - name: churn
    type: batch
    main: s3a://code/${team}/churn/score.py
    args: ["--date", "{{ ds }}"]
    environment: s3a://envs/${team}/churn-1.0.0.tar.gz
    schedule: "0 3 * * *"
    train: { main: s3a://code/${team}/churn/train.py, schedule: "0 2 * * 0" }
    inputs: [hive://${team}.features_daily]
    output: hive://${team}.churn_scores

  # An online model: the registered MLflow model behind a REST/gRPC endpoint.
  - name: churn-api
    type: online
    model: models:/churn@champion
    server: kserve
    replicas: { min: 2, max: 6 }
    autoscale: { cpu: 70 }
    resources: { cpu: "1", memory: 2Gi }

# cascades:
#   - name: nightly
#     schedule: "0 1 * * *"
#     blocks:
#       - { name: scorers, models: [churn] }
`;
}

const GITLAB_CI = `# modelplane: validate the models on every push; synthesize the manifests for deployment.
stages: [validate, synth]

default:
  image: docker.io/library/node:20.19.5-bookworm-slim
  cache:
    key: { files: [package-lock.json] }
    paths: [.npm/]
  before_script:
    - npm ci --cache .npm --prefer-offline --no-audit --no-fund

modelplane:validate:
  stage: validate
  script:
    - npx modelplane validate -f modelplane.yaml

modelplane:synth:
  stage: synth
  script:
    - npx modelplane synth -f modelplane.yaml -o dist
  artifacts:
    paths: [dist/]
    expire_in: 30 days
`;

const GITHUB_WORKFLOW = `# modelplane: validate the models on every push and pull request; synthesize the manifests.
name: modelplane
on:
  push:
    branches: [main]
  pull_request: {}
permissions:
  contents: read
jobs:
  synth:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: "20"
          cache: npm
      - run: npm ci --no-audit --no-fund
      - run: npx modelplane validate -f modelplane.yaml
      - run: npx modelplane synth -f modelplane.yaml -o dist
      - uses: actions/upload-artifact@v4
        with:
          name: manifests
          path: dist/
`;
