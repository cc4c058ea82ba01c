/** Argo Workflows: runs the WorkflowTemplates and CronWorkflows of models and cascades with `orchestrator: argo`. */
import type { HelmAddOn, HelmChartRef } from '../helm-addon';

/** The Argo Workflows release whose CRDs the output is tested against (`../shared/crds/argo-workflows`, v4.1.2). */
export const ARGO_WORKFLOWS_APP_VERSION = 'v4.1.2';

/** The pinned argo-workflows chart (argo-helm's 2.0 line carries Argo Workflows v4.1). */
export const ARGO_WORKFLOWS_DEFAULTS = {
  releaseName: 'argo-workflows',
  chart: 'argo-workflows',
  repo: 'https://argoproj.github.io/argo-helm',
  version: '2.0.4',
  namespace: 'argo',
  values: {
    // The images are pinned to the release of the CRDs the output is checked against, whatever the chart's appVersion.
    images: { tag: ARGO_WORKFLOWS_APP_VERSION },
    crds: { install: true, keep: true },
    // modelplane creates each team's workflow ServiceAccount and Role (`modelplane-argo`).
    workflow: { serviceAccount: { create: false }, rbac: { create: false } },
    server: { enabled: false },
  },
  note: `Argo Workflows ${ARGO_WORKFLOWS_APP_VERSION} (images pinned); the UI server is off; workflow ServiceAccounts are created per team by modelplane.`,
} as const satisfies HelmChartRef;

/** Installed only when asked for (`enabled: true`): a team file with `orchestrator: argo` needs it, and says so. */
export const ARGO_WORKFLOWS_ADD_ON: HelmAddOn = {
  enabledByDefault: false,
  charts: [
    {
      defaultProps: ARGO_WORKFLOWS_DEFAULTS,
      computedValues: (ctx) => ({ singleNamespace: false, controller: { workflowNamespaces: [...ctx.teamNamespaces] } }),
    },
  ],
  crds: [
    'workflows.argoproj.io',
    'workflowtemplates.argoproj.io',
    'cronworkflows.argoproj.io',
    'clusterworkflowtemplates.argoproj.io',
    'workflowtaskresults.argoproj.io',
    'workflowtasksets.argoproj.io',
    'workflowartifactgctasks.argoproj.io',
    'workfloweventbindings.argoproj.io',
  ],
};
