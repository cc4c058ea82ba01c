/** The platform on embedded defaults (MLflow, PostgreSQL, MinIO, one GPU pool) with N team workspaces. */
import type { App } from 'cdk8s';
import { buildPlatform, defaultConfig } from '../../stacks/build';
import { baselinePlatform } from '../baseline/platform';
import type { BenchCase } from '../types';

/** Team names team-000, team-001, ... */
export const teamNames = (n: number) => Array.from({ length: n }, (_, i) => `team-${String(i).padStart(3, '0')}`);

const platformCase: BenchCase = {
  name: 'platform',
  description: 'full platform on embedded defaults (MLflow + PostgreSQL + MinIO + secret bootstrap + 1 GPU pool) with N team workspaces, no models',
  unit: 'teams',
  sizes: [1, 10, 100],
  modelplane(app: App, n: number) {
    buildPlatform(app, { ...defaultConfig(), teams: teamNames(n).map((name) => ({ name })), examples: false });
  },
  baseline(app: App, n: number) {
    baselinePlatform(app, teamNames(n));
  },
};

export default platformCase;
