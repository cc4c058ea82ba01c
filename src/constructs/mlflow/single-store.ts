/**
 * What the embedded single-instance stores (PostgreSQL, MinIO) share: a ClusterIP Service for
 * clients, a headless governing Service for the StatefulSet, and a retained data volume claim.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Where a single-instance store listens. */
export interface StorePort {
  /** Port name (also the container port's name). */
  readonly name: string;
  /** Port number. */
  readonly port: number;
}

/**
 * Creates the client Service `<name>` and the headless governing Service `<name>-headless`
 * (each pod gets a stable DNS name). Returns the governing Service's name for `serviceName`.
 */
export function storeServices(
  scope: Construct,
  name: string,
  namespace: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
  port: StorePort,
): string {
  const ports = [{ name: port.name, port: port.port, targetPort: k8s.IntOrString.fromString(port.name), protocol: 'TCP' }];
  new k8s.KubeService(scope, 'Service', {
    metadata: { name, namespace, labels },
    spec: { type: 'ClusterIP', selector, ports },
  });
  const headless = `${name}-headless`;
  new k8s.KubeService(scope, 'HeadlessService', {
    metadata: { name: headless, namespace, labels },
    spec: { clusterIp: 'None', publishNotReadyAddresses: true, selector, ports },
  });
  return headless;
}

/** The store's `data` volume claim template; PVCs are retained when the StatefulSet is deleted or scaled. */
export function dataVolumeClaim(labels: Record<string, string>, size: string, storageClassName?: string) {
  return {
    volumeClaimTemplates: [
      {
        metadata: { name: 'data', labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          ...(storageClassName ? { storageClassName } : {}),
          resources: { requests: { storage: k8s.Quantity.fromString(size) } },
        },
      },
    ],
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
  };
}
