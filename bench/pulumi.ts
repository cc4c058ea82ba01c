/**
 * `npm run bench:pulumi [-- --models 100 --parallel N]` (also the last part of `npm run bench`): the platform
 * plus N models (a team file of batch models on Airflow, online models on KServe and on the Deployment backend,
 * in equal parts) deployed to a local kube-apiserver (scripts/kube/with-cluster.sh, every CRD registered) by
 * the real engine (scripts/pulumi/env.sh), next to `kubectl apply --server-side` of the same objects, in the
 * same run on the same API server:
 *
 *   kubectl apply --server-side -f DIR     the baseline (then deleted again, namespaces awaited)
 *   pulumi preview                         plan only
 *   pulumi up --yes                        create everything
 *   pulumi up --yes --expect-no-changes    nothing to do
 *   pulumi destroy --yes
 *
 * Reports each wall time and its ratio to the kubectl baseline; results go to .bench/pulumi-latest.json. The
 * stack skips the operators' Helm releases and readiness (no chart repositories, no kubelet here), as the
 * Pulumi tier does. A script, not a timed test: nothing here passes or fails on speed.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { Checkout, kubectl, leftAfterDelete, manifestObjects, requireEngine } from '../test/pulumi/support';

const ROOT = resolve(__dirname, '..');

function parseArgs(argv: string[]): { models: number; parallel?: number } {
  let models = 100;
  let parallel: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive whole number`);
    if (a === '--models') models = v;
    else if (a === '--parallel') parallel = v;
    else throw new Error(`unknown argument ${a}; use --models N --parallel N`);
  }
  return { models, parallel };
}

/** A platform file with one team and a team file with `n` models, a third of each kind. */
function files(n: number): { platform: string; team: string } {
  const platform = [
    'teams:',
    '  - name: bench',
    '    quota: { cpu: "1000", memory: 4000Gi, pods: 5000, gpus: 0 }',
    'operators:',
    '  kserve: { enabled: true }',
    '',
  ].join('\n');
  const lines = [
    'team: bench',
    'defaults:',
    '  image: docker.io/apache/spark:3.5.3-python3',
    '  python: "3.11"',
    '  spark: { version: "3.5.3" }',
  ];
  lines.push('  environment: s3a://envs/bench/base-1.0.0.tar.gz', '  resources: { cpu: 500m, memory: 1Gi }', 'models:');
  for (let i = 0; i < n; i++) {
    const name = `m${String(i).padStart(3, '0')}`;
    if (i % 3 === 0)
      lines.push(`  - name: ${name}`, '    type: batch', `    main: s3a://code/bench/${name}.py`, '    schedule: "0 3 * * *"');
    else
      lines.push(
        `  - name: ${name}`,
        '    type: online',
        `    server: ${i % 3 === 1 ? 'kserve' : 'deployment'}`,
        `    model: models:/${name}@champion`,
      );
  }
  return { platform, team: `${lines.join('\n')}\n` };
}

function main(): void {
  const { models, parallel } = parseArgs(process.argv.slice(2));
  requireEngine();
  const c = new Checkout('bench');
  try {
    const f = files(models);
    c.write('bench/platform.yaml', f.platform);
    c.write('bench/team.yaml', f.team);
    const dir = join(c.dir, 'bench', 'dist');
    const synth = c.spawn('node', [
      join(ROOT, 'bin/modelplane.js'),
      'synth',
      '--platform',
      'bench/platform.yaml',
      '-f',
      'bench/team.yaml',
      '-o',
      dir,
    ]);
    if (synth.status !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
    const objects = manifestObjects(dir).length;

    const t0 = Date.now();
    kubectl(['apply', '--server-side', '--field-manager=modelplane-bench', '-f', dir]);
    const kubectlSeconds = (Date.now() - t0) / 1000;
    kubectl(['delete', '-f', dir, '--wait=true']);
    const left = leftAfterDelete(dir);
    if (left) throw new Error(`kubectl delete left: ${left}`);

    const p = parallel ? ['--parallel', String(parallel)] : [];
    c.ok(['stack', 'init', 'bench']);
    for (const [k, v] of [
      ['modelplane:platformFile', 'bench/platform.yaml'],
      ['modelplane:installOperators', 'false'],
      ['modelplane:skipAwait', 'true'],
    ]) {
      c.ok(['config', 'set', k!, v!]);
    }
    c.ok(['config', 'set', '--path', 'modelplane:teamFiles[0]', 'bench/team.yaml']);
    const steps: Array<[string, string[]]> = [
      ['pulumi preview', ['preview', ...p]],
      ['pulumi up', ['up', '--yes', ...p]],
      ['pulumi up (no changes)', ['up', '--yes', '--expect-no-changes', ...p]],
      ['pulumi destroy', ['destroy', '--yes', ...p]],
    ];
    const results: Record<string, number> = { 'kubectl apply --server-side': kubectlSeconds };
    for (const [name, args] of steps) results[name] = c.ok(args).seconds;
    const rows = Object.entries(results).map(([step, s]) => ({
      step,
      seconds: Number(s.toFixed(2)),
      ratio: Number((s / kubectlSeconds).toFixed(1)),
    }));
    console.log(`platform + ${models} models: ${objects} objects; ${cpus().length} cores; parallel ${parallel ?? 'default'}`);
    for (const r of rows)
      console.log(`  ${r.step.padEnd(28)} ${r.seconds.toFixed(1).padStart(7)} s   ${r.ratio.toFixed(1).padStart(6)}x kubectl`);
    const up = results['pulumi up']! / kubectlSeconds;
    console.log(`goal: pulumi up within 2x of kubectl: ${up <= 2 ? 'met' : 'not met'} (${up.toFixed(1)}x)`);
    mkdirSync(join(ROOT, '.bench'), { recursive: true });
    const out = { date: new Date().toISOString(), models, objects, parallel: parallel ?? null, cores: cpus().length, rows };
    writeFileSync(join(ROOT, '.bench', 'pulumi-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    c.remove();
  }
}

main();
