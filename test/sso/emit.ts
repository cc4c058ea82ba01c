/**
 * The SSO tier's view of a platform file (scripts/sso/run-tier.sh): built by the project's platform loader,
 * it prints as JSON what the tier cannot read from the synthesized manifests alone: the platform's issuer
 * (PlatformContext.sso), Keycloak's in-cluster base URL, the realm's clients, and for each team the
 * GenericOAuthenticator settings its hub gets (jupyterHubAuth). The realm itself is read from the ConfigMap of
 * the synthesized output by the test.
 */
import { App } from 'cdk8s';
import { resolvePlatform } from '../../src/constructs/platform/platform';
import { jupyterHubAuth } from '../../src/constructs/sso/jupyterhub-auth';
import { keycloakServiceUrl } from '../../src/constructs/sso/keycloak-resolve';
import { buildLoadedPlatform, PlatformConfigError } from '../../src/frontends/config/platform-build';
import { loadPlatformFile } from '../../src/frontends/config/platform-load';

const file = process.argv[2];
const loaded = loadPlatformFile(file);
const built = buildLoadedPlatform(new App(), loaded);
if (built.issues.length > 0 || !built.platform) throw new PlatformConfigError(built.issues);
const spec = resolvePlatform('platform', loaded.props).spec!;
const sso = spec.context.sso!;
const keycloak = spec.keycloak!;
// Each team hub's sign-in exactly as its Helm release's values carry it (what `modelplane operators --workspaces`
// installs), checked equal to jupyterHubAuth for the client's URL.
const hubAuth = Object.fromEntries(
  keycloak.clients
    .filter((c) => c.application === 'jupyterhub')
    .map((c) => {
      const release = built.platform!.teamReleases.find((r) => r.namespace === c.team)!;
      const hub = release.values.hub as {
        config: Record<string, Record<string, unknown>>;
        extraEnv: Record<string, { valueFrom: unknown }>;
      };
      const [name, env] = Object.entries(hub.extraEnv)[0];
      const fromValues = {
        authenticatorClass: hub.config.JupyterHub.authenticator_class,
        config: hub.config.GenericOAuthenticator,
        env: { name, valueFrom: env.valueFrom },
      };
      const team = spec.teams.find((t) => t.name === c.team)!;
      const expected = jupyterHubAuth({ sso, team: team.name, editorGroups: team.editorGroups ?? [], hubUrl: c.url });
      if (JSON.stringify(fromValues) !== JSON.stringify(expected))
        throw new Error(`the values of ${release.releaseName} do not sign in as jupyterHubAuth says: ${JSON.stringify(fromValues)}`);
      return [c.team!, fromValues];
    }),
);
process.stdout.write(
  `${JSON.stringify({ sso, keycloakInternalUrl: keycloakServiceUrl(spec.namespace), clients: keycloak.clients, hubAuth }, null, 2)}\n`,
);
