/** What a batch model requests at its most, for its team's quota (see ../quota.ts for what is counted). */
import { cpuMillicores } from '../../core/validate';
import { formatBytes, formatCpu, QuotaDemand } from '../quota';
import type { ResolvedSparkBatchModel } from './resolve-model';

/** Spark's smallest memory overhead, in MiB. */
const MIN_OVERHEAD_MIB = 384;
/** Spark's memory overhead factor for non-JVM (Python) jobs on Kubernetes, when no factor is configured. */
const PYTHON_OVERHEAD_FACTOR = 0.4;
const MIB = 2n ** 20n;

/** A Spark memory amount (`2g`, `512m`; no unit is MiB) in MiB, rounded up; undefined when it is none. */
export function sparkMiB(text: string | undefined): number | undefined {
  const m = /^(\d+)([kmgt]?)b?$/i.exec(text?.trim() ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  return unit === 'k' ? Math.ceil(n / 1024) : unit === 'g' ? n * 1024 : unit === 't' ? n * 1024 * 1024 : n;
}

/** A number of the Spark configuration, when it is one. */
function confNumber(conf: Readonly<Record<string, string>>, key: string): number | undefined {
  const n = conf[key] === undefined ? NaN : Number(conf[key]);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * What one driver or executor pod requests, as Spark on Kubernetes asks for it: its cores (or
 * `spark.kubernetes.<role>.request.cores`), and its memory plus the memory overhead (the given one,
 * else the configured factor, else 0.4 for Python jobs, at least 384MiB), plus `spark.executor.pyspark.memory`.
 */
export function sparkPodRequest(m: ResolvedSparkBatchModel, role: 'driver' | 'executor'): { cpuMillis: bigint; memoryBytes: bigint } {
  const conf = m.sparkConf;
  const r = m[role];
  const requestCores = conf[`spark.kubernetes.${role}.request.cores`];
  const cpuMillis = (requestCores !== undefined ? cpuMillicores(requestCores) : undefined) ?? BigInt(r.cores) * 1000n;
  const memory = sparkMiB(r.memory) ?? 0;
  const factor =
    confNumber(conf, `spark.${role}.memoryOverheadFactor`) ??
    confNumber(conf, 'spark.kubernetes.memoryOverheadFactor') ??
    PYTHON_OVERHEAD_FACTOR;
  const overhead =
    sparkMiB(r.memoryOverhead) ?? sparkMiB(conf[`spark.${role}.memoryOverhead`]) ?? Math.max(Math.floor(factor * memory), MIN_OVERHEAD_MIB);
  const pyspark = role === 'executor' ? (sparkMiB(conf['spark.executor.pyspark.memory']) ?? 0) : 0;
  return { cpuMillis, memoryBytes: BigInt(memory + overhead + pyspark) * MIB };
}

/**
 * A batch model's requests at its most, for one run: the driver and its executors at their most
 * (`executor.instances`, or the dynamic allocation's `maxExecutors`), each with its GPUs.
 */
export function batchQuotaDemand(m: ResolvedSparkBatchModel): QuotaDemand {
  const executors = m.dynamicAllocation ? m.dynamicAllocation.maxExecutors : m.executor.instances;
  const n = BigInt(executors);
  const driver = sparkPodRequest(m, 'driver');
  const executor = sparkPodRequest(m, 'executor');
  const gpuOn = (role: 'driver' | 'executor') => (m.gpu && (m.gpu.on === 'both' || m.gpu.on === role) ? m.gpu.count : 0);
  return {
    model: m.name,
    kind: 'SparkBatchModel',
    cpuMillis: driver.cpuMillis + n * executor.cpuMillis,
    memoryBytes: driver.memoryBytes + n * executor.memoryBytes,
    gpus: gpuOn('driver') + executors * gpuOn('executor'),
    pods: 1 + executors,
    how: {
      cpu: `${formatCpu(driver.cpuMillis)} + ${executors} × ${formatCpu(executor.cpuMillis)}`,
      memory: `${formatBytes(driver.memoryBytes)} + ${executors} × ${formatBytes(executor.memoryBytes)}`,
      gpus: `${gpuOn('driver')} + ${executors} × ${gpuOn('executor')}`,
      pods: `1 + ${executors}`,
    },
    scaledBy: m.dynamicAllocation ? 'dynamicAllocation.maxExecutors' : 'executor.instances',
  };
}
