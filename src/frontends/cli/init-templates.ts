/**
 * The files `modelplane init` writes besides package.json: modelplane.yaml, and the same pipeline for
 * GitLab CI, GitHub Actions and Jenkins — install, validate, synth with the CI's own commit variable as
 * `--commit` (dist/ kept as the artifact), diff
 * against the base revision, and on the default branch, with a cluster credential, a server-side apply
 * of dist/. The diff and apply steps are the two shell scripts under ci/, shared by the three.
 */

/** The Node.js major version the generated CI runs (the one modelplane's own tests run on). */
export const CI_NODE_MAJOR = '24';

/** The kubectl release `ci/modelplane-apply.sh` downloads when the CI image has no kubectl. */
export const CI_KUBECTL_VERSION = 'v1.34.4';

/** The server-side apply field manager the generated pipelines use. */
export const FIELD_MANAGER = 'modelplane';

/** The node image of the GitLab jobs and the Jenkins agent: the full image, which has git and curl. */
const NODE_IMAGE = `docker.io/library/node:${CI_NODE_MAJOR}-bookworm`;

/** modelplane.yaml for team `team`: a batch model, an online model and a cascade. */
export function modelplaneYaml(team: string): string {
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

# Batch models run block after block, as one Airflow DAG: \`npx modelplane graph nightly\` draws it.
cascades:
  - name: nightly
    schedule: "0 1 * * *"
    blocks:
      - { name: scorers, models: [churn] }
`;
}

/** `ci/modelplane-diff.sh BASE`: what the change since the git revision BASE does to the manifests. */
export const DIFF_SCRIPT = `#!/bin/sh
# What this change does to the synthesized manifests: modelplane.yaml at the git revision BASE (the
# target of a merge request, or the commit before a push; a commit or a branch of origin) synthesized into .modelplane-base/dist, then
# \`modelplane diff\` of the working tree's modelplane.yaml against it. Written by \`modelplane init\`.
# Exit 0: nothing changes; 3: changes (listed); 1 or 2: invalid file or wrong usage, as modelplane's.
set -eu
base="\${1:-}"
rm -rf .modelplane-base
mkdir .modelplane-base
case "$base" in
  "" | 0000000000000000000000000000000000000000)
    echo "ci/modelplane-diff.sh: no base revision (a new branch or the first commit): every object is new" ;;
  *)
    if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
      git fetch --quiet --depth=1 origin "$base" || {
        echo "ci/modelplane-diff.sh: the base revision $base is neither in this clone nor on origin. Fix: pass a commit or branch of origin, and fetch the full history (GitLab: GIT_DEPTH: 0; actions/checkout: fetch-depth: 0)" >&2
        exit 2
      }
      base=FETCH_HEAD
    fi
    if git cat-file -e "$base:modelplane.yaml" 2>/dev/null; then
      git show "$base:modelplane.yaml" > .modelplane-base/modelplane.yaml
      (cd .modelplane-base && npx --no-install modelplane synth -q -f modelplane.yaml -o dist)
    else
      echo "ci/modelplane-diff.sh: $base has no modelplane.yaml: every object is new"
    fi ;;
esac
npx --no-install modelplane diff -f modelplane.yaml -o .modelplane-base/dist --exit-code
`;

/** `ci/modelplane-apply.sh [DIR]`: server-side apply of the synthesized manifests. */
export const APPLY_SCRIPT = `#!/bin/sh
# Applies the manifests modelplane synthesized into DIR (default dist) to the cluster of $KUBECONFIG,
# server-side, as field manager "${FIELD_MANAGER}" (the DAG files travel inside them, in a ConfigMap of
# Airflow's namespace). Uses kubectl from PATH, or downloads KUBECTL_VERSION (default ${CI_KUBECTL_VERSION})
# from dl.k8s.io and checks it against its published sha256. Written by \`modelplane init\`.
set -eu
dir="\${1:-dist}"
if [ -z "\${KUBECONFIG:-}" ]; then
  echo "ci/modelplane-apply.sh: KUBECONFIG is not set, so nothing was applied. Fix: give the job the cluster's kubeconfig as a secret file and point KUBECONFIG at it" >&2
  exit 2
fi
if [ ! -f "$dir/.modelplane-output" ]; then
  echo "ci/modelplane-apply.sh: $dir holds no modelplane output. Fix: run npx modelplane synth -o $dir first (or fetch the synth job's artifact)" >&2
  exit 2
fi
if ! command -v kubectl >/dev/null 2>&1; then
  version="\${KUBECTL_VERSION:-${CI_KUBECTL_VERSION}}"
  case "$(uname -m)" in aarch64 | arm64) arch=arm64 ;; *) arch=amd64 ;; esac
  bin="$(mktemp -d)"
  url="https://dl.k8s.io/release/$version/bin/linux/$arch/kubectl"
  curl -fsSLo "$bin/kubectl" "$url"
  echo "$(curl -fsSL "$url.sha256")  $bin/kubectl" | sha256sum -c - >/dev/null
  chmod 0755 "$bin/kubectl"
  PATH="$bin:$PATH"
fi
kubectl apply --server-side --field-manager=${FIELD_MANAGER} -f "$dir"
`;

/** `.gitlab-ci.yml`. */
export const GITLAB_CI = `# modelplane: validate, synthesize and diff the models on every push; apply dist/ from the default branch.
# The apply job runs only on the default branch and only when the CI/CD variable KUBECONFIG (type File,
# protected) holds the cluster's kubeconfig; without it, dist/ is the synth job's artifact to hand on.
stages: [validate, synth, diff, apply]

default:
  image: ${NODE_IMAGE}
  cache:
    key: { files: [package-lock.json] }
    paths: [.npm/]
  before_script:
    - npm ci --cache .npm --prefer-offline --no-audit --no-fund

modelplane:validate:
  stage: validate
  script:
    - npx modelplane validate -f modelplane.yaml

# --commit: the training DAGs label their volume snapshots (train.snapshot) with the commit they came from.
modelplane:synth:
  stage: synth
  script:
    - npx modelplane synth -f modelplane.yaml -o dist --commit "$CI_COMMIT_SHA"
  artifacts:
    paths: [dist/]
    expire_in: 30 days

# Exit 3 (the manifests change) shows as a warning to review, not a failure.
modelplane:diff:
  stage: diff
  needs: []
  variables:
    GIT_DEPTH: "0"
  script:
    - sh ci/modelplane-diff.sh "\${CI_MERGE_REQUEST_DIFF_BASE_SHA:-$CI_COMMIT_BEFORE_SHA}"
  allow_failure:
    exit_codes: [3]

modelplane:apply:
  stage: apply
  needs: [modelplane:synth]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $KUBECONFIG
  environment:
    name: production
  before_script: []
  script:
    - sh ci/modelplane-apply.sh dist
`;

/** `.github/workflows/modelplane.yml`. */
export const GITHUB_WORKFLOW = `# modelplane: validate, synthesize and diff the models on every push and pull request; apply dist/ from main.
# The apply job runs on pushes to main, in the environment "production" (add reviewers there), and only
# when the secret MODELPLANE_KUBECONFIG holds the cluster's kubeconfig; without it, dist/ is the
# workflow's artifact "manifests" to hand on.
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
        with:
          fetch-depth: 0
      - uses: actions/setup-node@v4
        with:
          node-version: "${CI_NODE_MAJOR}"
          cache: npm
      - run: npm ci --no-audit --no-fund
      - run: npx modelplane validate -f modelplane.yaml
      # --commit: the training DAGs label their volume snapshots (train.snapshot) with the commit they came from.
      - run: npx modelplane synth -f modelplane.yaml -o dist --commit "$GITHUB_SHA"
      - name: diff against the base (exit 3, the manifests change, is not a failure)
        run: sh ci/modelplane-diff.sh "$BASE" || [ $? -eq 3 ]
        env:
          BASE: \${{ github.event.pull_request.base.sha || github.event.before }}
      - uses: actions/upload-artifact@v4
        with:
          name: manifests
          path: dist/
          include-hidden-files: true
  apply:
    needs: synth
    if: github.event_name == 'push' && github.ref == 'refs/heads/main'
    runs-on: ubuntu-24.04
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: actions/download-artifact@v4
        with:
          name: manifests
          path: dist
      - name: kubectl apply --server-side
        env:
          KUBECONFIG_DATA: \${{ secrets.MODELPLANE_KUBECONFIG }}
        run: |
          if [ -z "$KUBECONFIG_DATA" ]; then
            echo "::notice::no secret MODELPLANE_KUBECONFIG: nothing applied; dist/ is the artifact 'manifests'"
            exit 0
          fi
          (umask 077 && printf '%s\\n' "$KUBECONFIG_DATA" > "$RUNNER_TEMP/kubeconfig")
          KUBECONFIG="$RUNNER_TEMP/kubeconfig" sh ci/modelplane-apply.sh dist
`;

/** `Jenkinsfile` (declarative pipeline; needs the Docker Pipeline plugin for its agent). */
export const JENKINSFILE = `// modelplane: validate, synthesize and diff the models on every build; apply dist/ from main.
// The Apply stage runs on the branch main, and only when the environment variable MODELPLANE_KUBECONFIG_ID
// (set on the job or folder) names a "Secret file" credential holding the cluster's kubeconfig; without
// it, dist/ is the build's archived artifact to hand on.
pipeline {
  agent { docker { image '${NODE_IMAGE}' } }
  options { timeout(time: 30, unit: 'MINUTES') }
  environment { npm_config_cache = "\${env.WORKSPACE}/.npm" }
  stages {
    stage('Install') {
      steps { sh 'npm ci --prefer-offline --no-audit --no-fund' }
    }
    stage('Validate') {
      steps { sh 'npx modelplane validate -f modelplane.yaml' }
    }
    stage('Synth') {
      steps {
        // --commit: the training DAGs label their volume snapshots (train.snapshot) with the commit they came from.
        sh 'npx modelplane synth -f modelplane.yaml -o dist --commit "$GIT_COMMIT"'
        archiveArtifacts artifacts: 'dist/**', fingerprint: true
      }
    }
    stage('Diff') {
      steps {
        script {
          def base = env.CHANGE_TARGET ?: (env.GIT_PREVIOUS_SUCCESSFUL_COMMIT ?: '')
          def rc = sh(script: "sh ci/modelplane-diff.sh '\${base}'", returnStatus: true)
          if (rc == 3) {
            unstable('the synthesized manifests change (listed above)')
          } else if (rc != 0) {
            error("ci/modelplane-diff.sh failed with exit \${rc}")
          }
        }
      }
    }
    stage('Apply') {
      when {
        allOf {
          branch 'main'
          expression { return env.MODELPLANE_KUBECONFIG_ID?.trim() as boolean }
        }
      }
      steps {
        withCredentials([file(credentialsId: env.MODELPLANE_KUBECONFIG_ID, variable: 'KUBECONFIG')]) {
          sh 'sh ci/modelplane-apply.sh dist'
        }
      }
    }
  }
}
`;

/**
 * The DVC release the scaffold's notes tell a data scientist to install, and the one the S3 tier proves the
 * scaffold's `.dvc/config` with (scripts/python/dvc-venv.sh reads both pins from here).
 */
export const DVC_VERSION = '3.67.1';
/** The release of DVC's S3 remote plugin (`dvc-s3`) that goes with {@link DVC_VERSION}. */
export const DVC_S3_VERSION = '3.3.0';

/**
 * The defaults of init's DVC remote: what a platform installed with modelplane's defaults gives a team — the
 * embedded object store's in-cluster endpoint and region (`platformContext().objectStore`), and the team
 * bucket for datasets, in which each team owns the prefix `<team>/` (docs/object-store.md). Literal here, so
 * that `modelplane init --help` shows them without loading the constructs; a unit test holds them equal.
 */
export const DVC_DEFAULTS = {
  endpoint: 'http://object-store.modelplane-system.svc.cluster.local:7070',
  region: 'us-east-1',
  bucket: 'data',
} as const;

/** Where a repository's DVC remote is: the team's prefix in a team bucket of the platform's object store. */
export interface DvcRemote {
  /** The remote's name: the team's. */
  readonly name: string;
  /** `s3://<bucket>/<team>/dvc`. */
  readonly url: string;
  /** The S3 endpoint URL (`endpointurl`). */
  readonly endpoint: string;
  /** The region requests are signed for. */
  readonly region: string;
}

/**
 * `.dvc/config`: DVC's usage analytics off (DVC sends them to its vendor unless told otherwise: not from a
 * bank's repositories), then the remote as the default one, byte for byte as `dvc config core.analytics false`,
 * `dvc remote add -d NAME URL` and `dvc remote modify NAME endpointurl|region VALUE` write it (DVC's INI
 * format). No credentials: DVC reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment.
 */
export function dvcConfig(r: DvcRemote): string {
  return `[core]
    analytics = false
    remote = ${r.name}
['remote "${r.name}"']
    url = ${r.url}
    endpointurl = ${r.endpoint}
    region = ${r.region}
`;
}

/** `.dvc/.gitignore`: what `dvc init` keeps out of git (local config, temporary files, the cache). */
export const DVC_GITIGNORE = '/config.local\n/tmp\n/cache\n';

/** What the scaffold's README says about the platform, besides the remote. */
export interface ReadmeFacts {
  /** The team. */
  readonly team: string;
  /** The repository's DVC remote. */
  readonly remote: DvcRemote;
  /** The team's Secret holding AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
  readonly credentialsSecret: string;
  /** The platform's MLflow, as model workloads reach it. */
  readonly mlflowTrackingUri: string;
}

/** README.md: what the repository holds, and how datasets (DVC) and experiments (MLflow) are shared. */
export function readme(f: ReadmeFacts): string {
  const { team, remote } = f;
  const secret = (key: string) =>
    `export ${key}="$(kubectl -n ${team} get secret ${f.credentialsSecret} -o jsonpath='{.data.${key}}' | base64 -d)"`;
  return `# Models of team ${team}

Deployed with modelplane (written by \`modelplane init\`): \`modelplane.yaml\` describes the models; the CI
pipelines (\`.gitlab-ci.yml\`, \`.github/workflows/modelplane.yml\`, \`Jenkinsfile\`) validate and synthesize
it and apply the manifests. \`npx modelplane validate\` checks the file, \`npx modelplane synth -o dist\` writes
the manifests.

## Datasets: DVC

Git holds the code and a small \`.dvc\` file per dataset; DVC keeps the data itself on the platform's
object store, in the team's place there. \`.dvc/config\` sets the default remote \`${remote.name}\`:

| setting | value |
| --- | --- |
| \`url\` | \`${remote.url}\` |
| \`endpointurl\` | \`${remote.endpoint}\` |
| \`region\` | \`${remote.region}\` |
| \`core.analytics\` | \`false\` (DVC reports no usage to its vendor) |

**No credentials are in this repository.** DVC reads them from the environment, \`AWS_ACCESS_KEY_ID\`
and \`AWS_SECRET_ACCESS_KEY\`: the team's own keys, in the Secret \`${f.credentialsSecret}\` of namespace
\`${team}\` (they reach only the team's prefix; with an external store, the Secret your platform team named). A member of the team's editor groups reads them with:

\`\`\`sh
${secret('AWS_ACCESS_KEY_ID')}
${secret('AWS_SECRET_ACCESS_KEY')}
\`\`\`

Then, with \`pip install dvc==${DVC_VERSION} dvc-s3==${DVC_S3_VERSION}\`:

\`\`\`sh
git clone <this repository> && cd <its directory> && dvc pull   # the code and the data of this commit
dvc add data/train.csv                                            # after changing a dataset
git add data/train.csv.dvc data/.gitignore && git commit -m "Training data of <date>"
dvc push                                                          # the data to the team's remote
\`\`\`

Where that endpoint is not reachable (modelplane's default is the embedded store's address inside the
cluster), point your clone at one that is, without changing the shared file:
\`dvc remote modify --local ${remote.name} endpointurl URL\` (kept in \`.dvc/config.local\`, which git ignores).

## Experiments: MLflow

Inside the cluster the platform's MLflow is \`${f.mlflowTrackingUri}\`: set
\`MLFLOW_TRACKING_URI\` to it (or the address your platform team gives you) and log runs with the git
commit, so that \`git checkout COMMIT && dvc pull\` brings back a run's code and data.
`;
}
