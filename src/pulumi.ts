/**
 * `modelplane/pulumi`: the Pulumi bridge, a package entry of its own. It deploys a construct tree with
 * `pulumi up` — the `ModelplaneDeployment` component (Helm releases for the operators, then the
 * platform, team workspaces and models in dependency order), the deployment plan and the stack-config
 * helpers. It needs `@pulumi/pulumi` and `@pulumi/kubernetes`, optional peer dependencies of
 * modelplane: install them in the Pulumi project. The main entry (`modelplane`) never loads them.
 */
import { requirePulumiPeers } from './frontends/pulumi/peers';

requirePulumiPeers();

export * from './frontends/pulumi/component';
export * from './frontends/pulumi/deploy';
export * from './frontends/pulumi/plan';
export * from './frontends/pulumi/stack-config';
export { missingPulumiPeers, PULUMI_PEERS } from './frontends/pulumi/peers';
