/**
 * Models and teams together (issue 17): the platform with T team workspaces and N online models spread
 * over those teams, about 33 models per team (10,000 models in 300 teams), so the report shows whether
 * synthesis stays linear in both. Online models on the deployment backend, as in the online case.
 */
import type { App } from 'cdk8s';
import type { BenchCase, Builder, Variant } from '../types';
import { teamNames } from './platform';

/** Teams for `models` models: one per 33⅓ models, at least one (10,000 models -> 300 teams). */
export const fleetTeams = (models: number) => Math.max(1, Math.round((models * 3) / 100));

/** Model i's team index: models dealt round-robin, so every team gets ⌊N/T⌋ or ⌈N/T⌉ of them. */
const perTeam = (models: number, teams: number, t: number) => Math.floor(models / teams) + (t < models % teams ? 1 : 0);

const fleetCase: BenchCase = {
  name: 'fleet',
  description: 'the platform with T = N x 3/100 team workspaces (1 GPU pool) and N online models (deployment backend) dealt over the teams',
  unit: 'models',
  sizes: [100, 1000, 3000, 10000],
  load(variant: Variant): Builder {
    if (variant === 'modelplane') {
      const { Platform } = require('../../src/constructs/platform/platform') as typeof import('../../src/constructs/platform/platform');
      const { OnlineModel } =
        require('../../src/constructs/online/online-model') as typeof import('../../src/constructs/online/online-model');
      const { TeamModels } = require('../../src/constructs/team-models') as typeof import('../../src/constructs/team-models');
      return (app: App, n: number) => {
        const teams = teamNames(fleetTeams(n));
        new Platform(app, 'platform', {
          teams: teams.map((name) => ({ name })),
          gpuPools: [{ name: 'gpu', maxGpus: 8 }],
          // The models' ServiceMonitors need the Prometheus Operator's CRD: an existing one, as in most clusters.
          prerequisites: [{ kind: 'CustomResourceDefinition', name: 'servicemonitors.monitoring.coreos.com' }],
        });
        teams.forEach((team, t) => {
          const chart = new TeamModels(app, team);
          for (let i = 0; i < perTeam(n, teams.length, t); i++) {
            new OnlineModel(chart, `model-${i}`, {
              model: `models:/model-${i}@champion`,
              backend: 'deployment',
              autoscaling: { minReplicas: 2, maxReplicas: 4, cpuUtilization: 70 },
            });
          }
        });
      };
    }
    const { baselinePlatform } = require('../baseline/platform') as typeof import('../baseline/platform');
    const { baselineOnline } = require('../baseline/online') as typeof import('../baseline/online');
    return (app: App, n: number) => {
      const teams = teamNames(fleetTeams(n));
      baselinePlatform(app, teams);
      teams.forEach((team, t) => baselineOnline(app, perTeam(n, teams.length, t), team));
    };
  },
};

export default fleetCase;
