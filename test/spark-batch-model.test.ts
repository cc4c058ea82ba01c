/** SparkBatchModel: SparkApplication templates, packed env, S3/MLflow wiring, GPU, schedules on each orchestrator; every validation. */
import { App, Testing } from 'cdk8s';
import { SparkBatchModel, SparkBatchModelProps } from '../src/constructs/batch/spark-batch-model';
import { SparkApplication } from '../imports/sparkoperator.k8s.io';
import { TeamModels } from '../src/constructs/team-models';
import { platformContext } from '../src/core/context';
import { expectIssue } from './support/errors';
import { findObject } from './support/manifests';

const platform = platformContext({
  gpuPools: [{ name: 'gpu', taint: { key: 'nvidia.com/gpu', effect: 'NoSchedule' }, nodeLabels: { 'modelplane.dev/gpu-pool': 'gpu' } }],
});

const base: SparkBatchModelProps = {
  image: 'registry.example.com/ml/churn:1.2.0',
  sparkVersion: '3.5.5',
  pythonEnv: { archive: 's3a://ml-envs/churn/env-1.2.0.tar.gz', pythonVersion: '3.11' },
  score: { mainApplicationFile: 'local:///app/score.py', arguments: ['--date', '{{ ds }}'] },
};

function team(): TeamModels {
  return new TeamModels(Testing.app(), 'risk', { platform });
}

function synth(props: Partial<SparkBatchModelProps> = {}) {
  const chart = team();
  const model = new SparkBatchModel(chart, 'churn', { ...base, ...props });
  return { chart, model, objs: Testing.synth(chart) };
}

function template(objs: any[], key: string): any {
  return JSON.parse(findObject(objs, 'ConfigMap', 'churn-spark').data[key]);
}

describe('SparkBatchModel defaults', () => {
  const { model, objs } = synth();

  test('snapshot', () => expect(objs).toMatchSnapshot());

  test('one ConfigMap of SparkApplication templates, one key per run', () => {
    const cm = findObject(objs, 'ConfigMap', 'churn-spark');
    expect(cm.metadata.namespace).toBe('risk');
    expect(Object.keys(cm.data)).toEqual(['score.json']);
    expect(model.jobs).toEqual(['score']);
    expect(model.cascadeReady).toBe(false);
  });

  test('a Python SparkApplication with the packed environment, never the driver-python setting', () => {
    const app = template(objs, 'score.json');
    expect(app.apiVersion).toBe('sparkoperator.k8s.io/v1beta2');
    expect(app.kind).toBe('SparkApplication');
    expect(app.spec.type).toBe('Python');
    expect(app.spec.sparkVersion).toBe('3.5.5');
    expect(app.spec.mainApplicationFile).toBe('local:///app/score.py');
    expect(app.spec.arguments).toEqual(['--date', '{{ ds }}']);
    expect(app.spec.sparkConf['spark.pyspark.python']).toBe('/var/modelplane/environment/bin/python');
    expect(JSON.stringify(app)).not.toMatch(/DRIVER_PYTHON|pyspark\.driver\.python/);
    expect(app.spec.driver.envVars.MODELPLANE_PYTHON_VERSION).toBe('3.11');
  });

  test('an s3a:// environment is fetched in the pods, never by spark-submit (the operator has no S3AFileSystem)', () => {
    const app = template(objs, 'score.json');
    // spark-submit resolves --archives where it runs (the operator's pod): no s3a:// archive may reach it.
    expect(app.spec.deps).toBeUndefined();
    for (const role of ['driver', 'executor']) {
      const spec = app.spec[role].template.spec;
      expect(spec.initContainers).toHaveLength(1);
      const init = spec.initContainers[0];
      expect(init).toMatchObject({
        name: 'modelplane-environment',
        image: app.spec.image,
        imagePullPolicy: 'Always',
        command: ['python3', '/etc/modelplane/spark-environment/fetch_environment.py'],
        securityContext: { runAsNonRoot: true, runAsUser: 185, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '256Mi' } },
      });
      const env = Object.fromEntries(init.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
      expect(env).toEqual({
        MODELPLANE_ENVIRONMENT_ARCHIVE: 's3a://ml-envs/churn/env-1.2.0.tar.gz',
        MODELPLANE_ENVIRONMENT_DIR: '/var/modelplane/environment',
        AWS_ENDPOINT_URL_S3: platform.objectStore.endpoint,
        AWS_REGION: platform.objectStore.region ?? 'us-east-1',
        AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 'modelplane-s3', key: 'AWS_ACCESS_KEY_ID' } },
        AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 'modelplane-s3', key: 'AWS_SECRET_ACCESS_KEY' } },
      });
      // The Spark container reads the unpacked environment, read-only.
      expect(spec.containers[0].volumeMounts).toContainEqual({
        name: 'modelplane-environment',
        mountPath: '/var/modelplane/environment',
        readOnly: true,
      });
      expect(spec.volumes).toContainEqual({
        name: 'modelplane-environment-fetch',
        configMap: { name: 'modelplane-spark-environment', items: [{ key: 'fetch_environment.py', path: 'fetch_environment.py' }] },
      });
    }
    // The program, once per team namespace.
    const programs = objs.filter((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'modelplane-spark-environment');
    expect(programs).toHaveLength(1);
    expect(programs[0].metadata.namespace).toBe('risk');
    expect(programs[0].data['fetch_environment.py']).toContain('def sigv4_headers(');
  });

  test.each([
    ['local:///opt/envs/churn.tar.gz', 'local:///opt/envs/churn.tar.gz#environment'],
    ['https://artifacts.example.com/envs/churn.tgz', 'https://artifacts.example.com/envs/churn.tgz#environment'],
  ])('a %s environment stays a Spark archive (spark-submit passes the scheme through) and needs no program', (archive, expected) => {
    const { objs: o } = synth({ pythonEnv: { ...base.pythonEnv!, archive } });
    const app = template(o, 'score.json');
    expect(app.spec.deps.archives).toEqual([expected]);
    expect(app.spec.sparkConf['spark.pyspark.python']).toBe('./environment/bin/python');
    for (const role of ['driver', 'executor']) expect(app.spec[role].template.spec.initContainers).toBeUndefined();
    expect(o.some((x: any) => x.metadata?.name === 'modelplane-spark-environment')).toBe(false);
  });

  test('restart policy with retries, a TTL the waiter outlives, resources', () => {
    const app = template(objs, 'score.json');
    expect(app.spec.restartPolicy).toEqual({
      type: 'OnFailure',
      onFailureRetries: 2,
      onFailureRetryInterval: 60,
      onSubmissionFailureRetries: 2,
      onSubmissionFailureRetryInterval: 60,
    });
    expect(app.spec.timeToLiveSeconds).toBe(86400);
    expect(app.spec.driver).toMatchObject({ cores: 1, coreLimit: '1000m', memory: '2g', serviceAccount: 'modelplane-spark' });
    expect(app.spec.executor).toMatchObject({ cores: 1, memory: '2g', instances: 2, deleteOnTermination: true });
  });

  test('MLflow and S3: tracking URI in env, non-secret s3a settings in hadoopConf, keys from the Secret', () => {
    const app = template(objs, 'score.json');
    expect(app.spec.driver.envVars.MLFLOW_TRACKING_URI).toBe(platform.mlflowTrackingUri);
    expect(app.spec.hadoopConf).toMatchObject({
      'fs.s3a.endpoint': platform.objectStore.endpoint,
      'fs.s3a.path.style.access': 'true',
      'fs.s3a.aws.credentials.provider': 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider',
    });
    for (const role of ['driver', 'executor']) {
      const c = app.spec[role].template.spec.containers[0];
      expect(c.env).toEqual([
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'modelplane-s3', key: 'AWS_ACCESS_KEY_ID' } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'modelplane-s3', key: 'AWS_SECRET_ACCESS_KEY' } } },
      ]);
    }
  });

  test('pod templates (not webhook-only fields): restricted security, read-only root with scratch dirs', () => {
    const app = template(objs, 'score.json');
    for (const role of ['driver', 'executor']) {
      const spec = app.spec[role].template.spec;
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.containers[0].securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(spec.volumes.map((v: any) => v.name)).toEqual([
        'tmp',
        'work-dir',
        'spark-local-dir-1',
        'modelplane-environment',
        'modelplane-environment-fetch',
      ]);
      expect(app.spec[role].tolerations).toBeUndefined();
      expect(app.spec[role].env).toBeUndefined();
    }
    expect(app.spec.driver.template.spec.automountServiceAccountToken).toBe(true);
    expect(app.spec.executor.template.spec.automountServiceAccountToken).toBe(false);
  });

  test('Airflow may read exactly the model templates it needs', () => {
    const role = findObject(objs, 'Role', 'modelplane-airflow-templates');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['churn-spark'] }]);
    const binding = findObject(objs, 'RoleBinding', 'modelplane-airflow-templates');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'airflow-worker', namespace: 'airflow' }]);
  });
});

describe('SparkBatchModel options', () => {
  test('Spark 4 uses the AWS SDK v2 credentials provider', () => {
    const { objs } = synth({ sparkVersion: '4.0.1' });
    expect(template(objs, 'score.json').spec.hadoopConf['fs.s3a.aws.credentials.provider']).toBe(
      'software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider',
    );
  });

  test('dynamic allocation replaces executor instances', () => {
    const { objs } = synth({ dynamicAllocation: { minExecutors: 1, maxExecutors: 10 } });
    const app = template(objs, 'score.json');
    expect(app.spec.dynamicAllocation).toEqual({
      enabled: true,
      minExecutors: 1,
      maxExecutors: 10,
      initialExecutors: 1,
      shuffleTrackingEnabled: true,
    });
    expect(app.spec.executor.instances).toBeUndefined();
  });

  test('retries 0 means restartPolicy Never', () => {
    const { objs } = synth({ retries: 0 });
    expect(template(objs, 'score.json').spec.restartPolicy).toEqual({ type: 'Never' });
  });

  test('GPU from a pool through the executor pod template and the gpu field', () => {
    const { objs } = synth({ gpu: { pool: 'gpu', count: 2 } });
    const app = template(objs, 'score.json');
    expect(app.spec.executor.gpu).toEqual({ name: 'nvidia.com/gpu', quantity: 2 });
    const spec = app.spec.executor.template.spec;
    expect(spec.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions).toEqual([
      { key: 'modelplane.dev/gpu-pool', operator: 'In', values: ['gpu'] },
    ]);
    expect(String(spec.containers[0].resources.limits['nvidia.com/gpu'])).toBe('2');
    expect(app.spec.driver.gpu).toBeUndefined();
    expect(app.spec.driver.template.spec.tolerations).toBeUndefined();
  });

  test('cascade stages: download and export templates with inputs and output in env', () => {
    const { model, objs } = synth({ cascade: { inputs: [{ name: 'events', uri: 's3a://lake/events' }], outputTable: 'scores.churn' } });
    expect(model.cascadeReady).toBe(true);
    expect(Object.keys(findObject(objs, 'ConfigMap', 'churn-spark').data)).toEqual(['download.json', 'export.json', 'score.json']);
    const dl = template(objs, 'download.json');
    expect(dl.spec.mainApplicationFile).toBe('local:///app/score.py');
    expect(dl.spec.arguments).toEqual(['--modelplane-stage', 'download']);
    expect(JSON.parse(dl.spec.driver.envVars.MODELPLANE_INPUTS)).toEqual([{ name: 'events', uri: 's3a://lake/events' }]);
    expect(template(objs, 'export.json').spec.driver.envVars.MODELPLANE_OUTPUT).toBe('hive:scores.churn');
  });

  test('Airflow schedule: a DAG <team>.<model>.<job> with Spark Submit and Spark Wait, in the team DAG ConfigMap', () => {
    const { objs } = synth({
      train: { mainApplicationFile: 'local:///app/train.py', schedule: '0 4 * * 0', assets: ['s3://lake/features'] },
    });
    const cm = findObject(objs, 'ConfigMap', 'modelplane-dags-risk');
    expect(cm.metadata.namespace).toBe('airflow');
    expect(Object.keys(cm.data)).toEqual(['.airflowignore', 'risk.churn.train.py']);
    const py = cm.data['risk.churn.train.py'];
    expect(py).toContain('dag_id=DAG_ID');
    expect(py).toContain('DAG_ID = "risk.churn.train"');
    expect(py).toContain('task_id="spark_submit"');
    expect(py).toContain('task_id="spark_wait"');
    expect(py).toContain('CronTriggerTimetable("0 4 * * 0", timezone="UTC")');
    expect(py).toContain('Asset("s3://lake/features")');
  });

  test('Argo schedule: a CronWorkflow with create and get resource templates and Spark conditions', () => {
    const { objs } = synth({ orchestrator: 'argo', score: { ...base.score!, schedule: '30 1 * * *' } });
    const cron = findObject(objs, 'CronWorkflow', 'churn-score');
    expect(cron.spec.workflowSpec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(cron.spec.schedules).toEqual(['30 1 * * *']);
    expect(cron.spec.schedule).toBeUndefined();
    const tpls = cron.spec.workflowSpec.templates;
    const submit = tpls.find((t: any) => t.name === 'spark-submit');
    expect(submit.resource.action).toBe('create');
    expect(JSON.parse(submit.resource.manifest).metadata.name).toBe('churn-score-{{=sprig.trunc(10, sprig.sha256sum(workflow.name))}}');
    const wait = tpls.find((t: any) => t.name === 'spark-wait');
    expect(wait.resource).toMatchObject({
      action: 'get',
      successCondition: 'status.applicationState.state == COMPLETED',
      failureCondition: 'status.applicationState.state == FAILED',
    });
    expect(cron.spec.workflowSpec.serviceAccountName).toBe('modelplane-argo');
    expect(findObject(objs, 'Role', 'modelplane-argo').rules).toContainEqual({
      apiGroups: ['argoproj.io'],
      resources: ['workflowtaskresults'],
      verbs: ['create', 'patch'],
    });
  });

  test('operator schedule: a ScheduledSparkApplication', () => {
    // The operator renders no run-time values: this run passes a fixed date instead of {{ ds }}.
    const { objs } = synth({
      orchestrator: 'spark-operator',
      score: { ...base.score!, arguments: ['--date', '2024-01-01'], schedule: '@daily' },
    });
    const s = findObject(objs, 'ScheduledSparkApplication', 'churn-score');
    expect(s.spec).toMatchObject({ schedule: '@daily', concurrencyPolicy: 'Forbid', timeZone: 'UTC' });
    expect(s.spec.template.driver.template.spec.initContainers[0].env[0]).toEqual({
      name: 'MODELPLANE_ENVIRONMENT_ARCHIVE',
      value: 's3a://ml-envs/churn/env-1.2.0.tar.gz',
    });
  });

  test('must live in a TeamModels chart', () => {
    expect(() => new SparkBatchModel(Testing.app(), 'x', base)).toThrow(/must be created inside a TeamModels chart/);
  });

  test('two models with one name in a team are refused', () => {
    const chart = team();
    new SparkBatchModel(chart, 'a', { ...base, name: 'same' });
    expect(() => new SparkBatchModel(chart, 'b', { ...base, name: 'same' })).toThrow(/already used by SparkBatchModel "a"/);
  });

  test('templates equal what the typed SparkApplication binding writes (same fields, any key order)', () => {
    const canon = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(canon)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.keys(v)
                .sort()
                .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
            )
          : v;
    const { model } = synth({
      gpu: { pool: 'gpu' },
      dynamicAllocation: { minExecutors: 1, maxExecutors: 3 },
      cascade: { outputPath: 's3a://out/x' },
    });
    expect(Object.keys(model.templates)).toEqual(['download.json', 'export.json', 'score.json']);
    for (const t of Object.values(model.templates)) {
      const typed = SparkApplication.manifest({ metadata: t.metadata as never, spec: t.spec as never });
      expect(canon(JSON.parse(JSON.stringify(t)))).toEqual(canon(typed));
    }
  });

  test('deterministic', () => {
    expect(JSON.stringify(synth().objs)).toBe(JSON.stringify(synth().objs));
  });
});

describe('SparkBatchModel validation', () => {
  const c = 'SparkBatchModel "churn"';
  const bad = (props: Partial<SparkBatchModelProps>) => () => synth(props);
  const cases: Array<[string, Partial<SparkBatchModelProps>, string, RegExp]> = [
    ['name over 36 characters', { name: 'a'.repeat(37) }, 'name', /limit is 36/],
    ['unpinned image', { image: 'spark:latest' }, 'image', /latest/],
    ['bad Spark version', { sparkVersion: '3.5' }, 'sparkVersion', /Spark version/],
    [
      'archive with alias',
      { pythonEnv: { archive: 's3a://e/env.tar.gz#environment', pythonVersion: '3.11' } },
      'pythonEnv.archive',
      /without a "#alias"/,
    ],
    [
      'unpinned Python',
      { pythonEnv: { archive: 's3a://e/env.tar.gz', pythonVersion: '3' } },
      'pythonEnv.pythonVersion',
      /pin a Python minor version/,
    ],
    ['no run at all', { score: undefined }, 'train', /training run, a scoring run, or both/],
    ['bad main file', { score: { mainApplicationFile: '/app/x.py' } }, 'score.mainApplicationFile', /local:\/\//],
    ['bad cron', { score: { mainApplicationFile: 'local:///a.py', schedule: '61 * * * *' } }, 'score.schedule', /minute/],
    [
      'assets outside Airflow',
      { orchestrator: 'argo', score: { mainApplicationFile: 'local:///a.py', assets: ['s3://x/y'] } },
      'score.assets',
      /Airflow Assets/,
    ],
    ['bad memory', { driver: { memory: '2Gi' } }, 'driver.memory', /Spark memory amount/],
    ['zero cores', { executor: { cores: 0 } }, 'executor.cores', /1 to 64/],
    [
      'driver python in sparkConf',
      { sparkConf: { 'spark.pyspark.driver.python': 'python3' } },
      'sparkConf["spark.pyspark.driver.python"]',
      /driver's Python/,
    ],
    ['credential in hadoopConf', { hadoopConf: { 'fs.s3a.secret.key': 'abc' } }, 'hadoopConf["fs.s3a.secret.key"]', /credential/],
    ['credential in env', { env: { DB_PASSWORD: 'x' } }, 'env["DB_PASSWORD"]', /credential/],
    ['short TTL', { timeToLiveSeconds: 60 }, 'timeToLiveSeconds', /waiter/],
    ['unknown GPU pool', { gpu: { pool: 'a100' } }, 'gpu.pool', /not a GPU pool/],
    ['two outputs', { cascade: { outputTable: 'a.b', outputPath: 's3a://x' } }, 'cascade.outputTable', /exactly one place/],
    [
      'dynamic allocation max below min',
      { dynamicAllocation: { minExecutors: 4, maxExecutors: 2 } },
      'dynamicAllocation.maxExecutors',
      /at least minExecutors/,
    ],
  ];
  test.each(cases)('%s', (_n, props, field, says) => {
    expectIssue(bad(props), { construct: c, field, says });
  });

  test('a secret value is never echoed back', () => {
    try {
      synth({ hadoopConf: { 'fs.s3a.secret.key': 'TOPSECRET' } });
    } catch (e) {
      expect(String(e)).not.toContain('TOPSECRET');
      return;
    }
    throw new Error('expected an error');
  });

  test('no partial output: a failing model adds nothing to the chart', () => {
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new TeamModels(app, 'risk', { platform });
    expect(() => new SparkBatchModel(chart, 'churn', { ...base, image: 'x' })).toThrow();
    expect(chart.node.children).toHaveLength(0);
  });
});
