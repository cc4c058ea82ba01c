/** 1,000 online models (issue 4): each a workload, Service, autoscaler, PodDisruptionBudget and monitor. */
import type { App } from 'cdk8s';
import type { BenchCase, Builder, Variant } from '../types';

const onlineCase: BenchCase = {
  name: 'online',
  description: 'N online models on the deployment backend (MLServer Deployment, Service, HPA, PDB, ServiceMonitor each) in one team',
  unit: 'models',
  sizes: [10, 100, 1000],
  load(variant: Variant): Builder {
    if (variant === 'modelplane') {
      const { OnlineModel } =
        require('../../src/constructs/online/online-model') as typeof import('../../src/constructs/online/online-model');
      const { TeamModels } = require('../../src/constructs/team-models') as typeof import('../../src/constructs/team-models');
      return (app: App, n: number) => {
        const chart = new TeamModels(app, 'bench');
        for (let i = 0; i < n; i++) {
          new OnlineModel(chart, `model-${i}`, {
            model: `models:/model-${i}@champion`,
            backend: 'deployment',
            autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
          });
        }
      };
    }
    const { baselineOnline } = require('../baseline/online') as typeof import('../baseline/online');
    return (app: App, n: number) => baselineOnline(app, n);
  },
};

export default onlineCase;
