/** A team's notebook workspace: one JupyterHub per team (see ./workspace-resolve.ts for why). */
export * from './workspace-resolve';
export * from './workspace-objects';
export * from './jupyterhub-values';
