/** The platform on embedded defaults (MLflow, PostgreSQL, object store, one GPU pool) with N team workspaces. */
import type { App } from 'cdk8s';
import type { BenchCase, Builder, Variant } from '../types';

/** Team names team-000, team-001, ... */
export const teamNames = (n: number) => Array.from({ length: n }, (_, i) => `team-${String(i).padStart(3, '0')}`);

const platformCase: BenchCase = {
  name: 'platform',
  description:
    'full platform on embedded defaults (MLflow + PostgreSQL + object store + secret bootstrap + 1 GPU pool) with N team workspaces, no models',
  unit: 'teams',
  sizes: [1, 10, 100],
  load(variant: Variant): Builder {
    if (variant === 'modelplane') {
      // The Platform construct itself (what stacks/build.ts calls), without the demo models.
      const { Platform } = require('../../src/constructs/platform/platform') as typeof import('../../src/constructs/platform/platform');
      return (app: App, n: number) => {
        new Platform(app, 'platform', { teams: teamNames(n).map((name) => ({ name })), gpuPools: [{ name: 'gpu', maxGpus: 8 }] });
      };
    }
    const { baselinePlatform } = require('../baseline/platform') as typeof import('../baseline/platform');
    return (app: App, n: number) => baselinePlatform(app, teamNames(n));
  },
};

export default platformCase;
