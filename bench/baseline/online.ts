/**
 * The online benchmark's baseline: per model the objects OnlineModel's `deployment` backend writes
 * (Deployment running MLServer with its env, ports, probes, resources and security context;
 * Service; HPA on CPU; PodDisruptionBudget; ServiceMonitor), written by hand with cdk8s-plus-28's
 * L2 Deployment, Service and HorizontalPodAutoscaler, the k8s L1 PodDisruptionBudget (no cdk8s-plus
 * construct) and the Prometheus Operator binding for the ServiceMonitor. No validation.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../../imports/monitoring.coreos.com';

/** The same objects, written directly with cdk8s-plus-28: `n` models in the chart of team `team`. */
export function baselineOnline(app: App, n: number, team = 'bench'): void {
  const chart = new Chart(app, `models-${team}`, { namespace: team, disableResourceNameHashes: true });
  const trackingUri = 'http://mlflow.modelplane-system.svc.cluster.local:5000';
  for (let i = 0; i < n; i++) {
    const name = `model-${i}`;
    const labels = {
      'app.kubernetes.io/name': 'online-model',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'predictor',
    };
    const tmp = kplus.Volume.fromEmptyDir(chart, `${name}-tmp`, 'tmp', { sizeLimit: Size.gibibytes(2) });
    const probe = (path: string, period: number, failures: number) =>
      kplus.Probe.fromHttpGet(path, {
        port: 8080,
        periodSeconds: Duration.seconds(period),
        failureThreshold: failures,
        timeoutSeconds: Duration.seconds(3),
      });
    const deployment = new kplus.Deployment(chart, `${name}-deployment`, {
      metadata: { name, labels },
      podMetadata: { labels },
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: 1000, group: 1000, fsGroup: 1000 },
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      volumes: [tmp],
      containers: [
        {
          name: 'mlserver',
          image: 'docker.io/seldonio/mlserver:1.7.1-mlflow',
          command: ['mlserver', 'start', '/tmp/models'],
          envVariables: {
            HOME: kplus.EnvValue.fromValue('/tmp'),
            MLSERVER_HOST: kplus.EnvValue.fromValue('0.0.0.0'),
            MLSERVER_HTTP_PORT: kplus.EnvValue.fromValue('8080'),
            MLSERVER_GRPC_PORT: kplus.EnvValue.fromValue('8081'),
            MLSERVER_METRICS_PORT: kplus.EnvValue.fromValue('8082'),
            MLSERVER_METRICS_ENDPOINT: kplus.EnvValue.fromValue('/metrics'),
            MLSERVER_METRICS_DIR: kplus.EnvValue.fromValue('/tmp/mlserver-metrics'),
            MLSERVER_MODEL_NAME: kplus.EnvValue.fromValue(name),
            MLSERVER_MODEL_IMPLEMENTATION: kplus.EnvValue.fromValue('mlserver_mlflow.MLflowRuntime'),
            MLSERVER_MODEL_URI: kplus.EnvValue.fromValue(`models:/${name}@champion`),
            MLFLOW_TRACKING_URI: kplus.EnvValue.fromValue(trackingUri),
          },
          ports: [
            { name: 'http', number: 8080 },
            { name: 'grpc', number: 8081 },
            { name: 'metrics', number: 8082 },
          ],
          startup: probe('/v2/health/live', 5, 120),
          readiness: probe('/v2/health/ready', 10, 3),
          liveness: probe('/v2/health/live', 20, 3),
          resources: {
            cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
            memory: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
            ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
          },
          securityContext: { ensureNonRoot: true, user: 1000, group: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
    new kplus.Service(chart, `${name}-service`, {
      metadata: { name, labels },
      selector: deployment,
      ports: [
        { name: 'http', port: 8080, targetPort: 8080 },
        { name: 'grpc', port: 8081, targetPort: 8081 },
        { name: 'metrics', port: 8082, targetPort: 8082 },
      ],
    });
    new kplus.HorizontalPodAutoscaler(chart, `${name}-hpa`, {
      metadata: { name },
      target: deployment,
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(70))],
    });
    new k8s.KubePodDisruptionBudget(chart, `${name}-pdb`, {
      metadata: { name, labels },
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    new ServiceMonitor(chart, `${name}-monitor`, {
      metadata: { name, labels },
      spec: {
        selector: { matchLabels: labels },
        namespaceSelector: { matchNames: [team] },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scheme: ServiceMonitorSpecEndpointsScheme.HTTP }],
      },
    });
  }
}
