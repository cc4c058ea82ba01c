/**
 * The Keycloak release the platform installs (the image `quay.io/keycloak/keycloak:<version>`) and the SSO
 * tier runs (Maven Central's org.keycloak:keycloak-quarkus-dist of the same version: scripts/sso/keycloak-dist.sh
 * reads this line).
 */
export const KEYCLOAK_VERSION = '26.5.6';
