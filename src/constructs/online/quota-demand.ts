/** What an online model requests at its most, for its team's quota (see ../quota.ts for what is counted). */
import { cpuMillicores, quantityUnits } from '../../core/validate';
import { formatBytes, formatCpu, QuotaDemand } from '../quota';
import { servingBackend } from './backends';
import type { ResolvedOnlineModel } from './spec';

/** `n × x`, or `(a + b) × x` for several variants. */
function times(replicas: readonly number[], each: string): string {
  return `${replicas.length > 1 ? `(${replicas.join(' + ')})` : replicas[0]} × ${each}`;
}

/**
 * An online model's requests at its most: every variant's pods at the maximum its backend runs
 * (`podsAtMost`), each pod the model container's requests and GPUs.
 */
export function onlineQuotaDemand(m: ResolvedOnlineModel): QuotaDemand {
  const serving = servingBackend(m.backend)!;
  const replicas = m.variants.map((v) => serving.podsAtMost(m, v));
  const pods = replicas.reduce((a, b) => a + b, 0);
  const cpu = cpuMillicores(m.resources.cpu) ?? 0n;
  const memory = quantityUnits(m.resources.memory) ?? 0n;
  const gpus = m.gpu?.count ?? 0;
  return {
    model: m.name,
    kind: 'OnlineModel',
    cpuMillis: cpu * BigInt(pods),
    memoryBytes: memory * BigInt(pods),
    gpus: gpus * pods,
    pods,
    how: {
      cpu: times(replicas, formatCpu(cpu)),
      memory: times(replicas, formatBytes(memory)),
      gpus: times(replicas, String(gpus)),
      pods: replicas.join(' + '),
    },
    scaledBy: m.autoscaling ? 'autoscaling.maxReplicas' : 'replicas',
  };
}
