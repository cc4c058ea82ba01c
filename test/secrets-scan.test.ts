/**
 * No secret value in any output: the real cdk8s entry point synthesizes the default platform and a
 * production-style one (external database and S3 by Secret reference, basic auth) into dist
 * directories, and every object in them is scanned.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { readManifests, synthWithEntryPoint, tempDir } from './support/manifests';
import { isReference, scanForSecrets, scanString } from './support/secret-scan';

describe('synthesized dist/', () => {
  test('default platform (embedded stores): no Secret data, no literal credentials, no passwords in URIs', () => {
    const dir = tempDir();
    synthWithEntryPoint(dir);
    const objs = readManifests(dir).map((m) => m.obj);
    expect(objs.length).toBeGreaterThan(20);
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(scanForSecrets(objs)).toEqual([]);
    // The embedded database URI carries the password only as a $(VAR) reference.
    const text = JSON.stringify(objs);
    expect(text).toContain('postgresql://mlflow:$(DB_PASSWORD)@mlflow-postgres.modelplane-system.svc.cluster.local:5432/mlflow');
  });

  test('production-style platform (external DB and S3, basic auth): credentials only by reference', () => {
    const dir = tempDir();
    const config = join(tempDir(), 'platform.yaml');
    writeFileSync(
      config,
      YAML.stringify({
        teams: [{ name: 'risk' }, { name: 'fraud' }],
        gpuPools: [{ name: 'a100', taint: { key: 'purpose', value: 'ml', effect: 'NoSchedule' } }],
        mlflow: {
          backendStore: { external: { uriSecret: { name: 'mlflow-db', key: 'uri' } } },
          artifactStore: {
            s3: {
              bucket: 'ml-artifacts',
              endpoint: 'https://s3.eu-central-1.amazonaws.com',
              accessKeyId: { name: 'mlflow-s3', key: 'AWS_ACCESS_KEY_ID' },
              secretAccessKey: { name: 'mlflow-s3', key: 'AWS_SECRET_ACCESS_KEY' },
            },
          },
          basicAuthSecret: 'mlflow-auth',
          ingressHost: 'mlflow.example.com',
        },
      }),
    );
    synthWithEntryPoint(dir, { MODELPLANE_CONFIG: config });
    const objs = readManifests(dir).map((m) => m.obj);
    expect(objs.some((o) => o.kind === 'Namespace' && (o.metadata as { name: string }).name === 'fraud')).toBe(true);
    expect(scanForSecrets(objs)).toEqual([]);
    const env = JSON.stringify(objs);
    expect(env).toContain('"secretKeyRef":{"key":"uri","name":"mlflow-db"}');
    // Nothing embedded, so nothing to generate in the cluster.
    expect(objs.filter((o) => (o.metadata as { name: string }).name === 'modelplane-secret-bootstrap')).toEqual([]);
  });
});

describe('the scanner', () => {
  const pod = (env: unknown[]) => ({
    kind: 'Deployment',
    metadata: { name: 'x', namespace: 'n' },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'i:1', env }] } } },
  });

  test('finds Secrets with data or stringData', () => {
    expect(
      scanForSecrets([{ kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } }]).map((f) => f.detail),
    ).toContain('a Secret with stringData in the output');
    expect(scanForSecrets([{ kind: 'Secret', metadata: { name: 's' }, data: { k: 'aGk=' } }])).toHaveLength(1);
    expect(scanForSecrets([{ kind: 'Secret', metadata: { name: 's' }, type: 'Opaque' }])).toEqual([]);
  });

  test('finds literal credentials in env, config keys and URIs, and lets references through', () => {
    expect(scanForSecrets([pod([{ name: 'DB_PASSWORD', value: 'hunter2' }])])).toHaveLength(1);
    expect(scanForSecrets([pod([{ name: 'AWS_SECRET_ACCESS_KEY', value: 'abc' }])])).toHaveLength(1);
    expect(scanForSecrets([pod([{ name: 'GITHUB_TOKEN', value: '$(TOKEN_FROM_SECRET)' }])])).toEqual([]);
    expect(scanForSecrets([pod([{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }])])).toEqual([]);
    expect(
      scanForSecrets([
        {
          kind: 'SparkApplication',
          metadata: { name: 'x' },
          spec: { sparkConf: { 'spark.hadoop.fs.s3a.secret.key': 'abc', 'spark.hadoop.fs.s3a.access.key': '{{ var.value.key }}' } },
        },
      ]),
    ).toEqual([expect.objectContaining({ detail: 'key "spark.hadoop.fs.s3a.secret.key" has a literal value' })]);
    expect(scanForSecrets([pod([{ name: 'URI', value: 'postgresql://mlflow:hunter2@db:5432/mlflow' }])])).toHaveLength(1);
    expect(scanForSecrets([pod([{ name: 'URI', value: 'postgresql://mlflow:$(DB_PASSWORD)@db:5432/mlflow' }])])).toEqual([]);
    expect(
      scanForSecrets([{ kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'dag.py': 'conn = "s3://AKIAABCDEFGHIJKLMNOP:x@bucket"' } }])
        .length,
    ).toBeGreaterThan(0);
    expect(scanString('-----BEGIN RSA PRIVATE KEY-----')).toEqual(['contains a PEM private key']);
    expect(isReference('${AWS_KEY}')).toBe(true);
    expect(isReference('plain')).toBe(false);
  });
});
