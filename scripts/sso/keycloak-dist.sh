#!/usr/bin/env bash
# Installs (once, cached) Keycloak's server distribution from Maven Central, the artifact
# org.keycloak:keycloak-quarkus-dist:<version>:tar.gz fetched with Maven's own client (`mvn dependency:copy`),
# unpacked into
#   "${MODELPLANE_CACHE:-$HOME/.cache/modelplane}/keycloak/<version>/keycloak-<version>/"
# with its stamp written last (an interrupted install never looks finished). Prints that directory (last line);
# progress and the elapsed time go to stderr.
#
# The version is KEYCLOAK_VERSION of src/constructs/sso/keycloak-version.ts: the one the platform's Keycloak image
# runs too. Keycloak 26 needs Java 21 or newer, and Debian bookworm's newest JDK is 17: this uses the machine's
# Temurin 25 JDK (/usr/lib/jvm/temurin-25-jdk-amd64), or MODELPLANE_KEYCLOAK_JAVA_HOME, and refuses an older
# one (an error, never a silent skip). Maven itself runs on whatever JDK is on PATH.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
start=$SECONDS

version="$(sed -n "s/^export const KEYCLOAK_VERSION = '\([0-9][0-9.]*\)';$/\1/p" "$repo_root/src/constructs/sso/keycloak-version.ts")"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  echo "sso/keycloak-dist.sh: cannot read KEYCLOAK_VERSION from src/constructs/sso/keycloak-version.ts (got '$version')" >&2
  exit 1
fi
kc_java="${MODELPLANE_KEYCLOAK_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
java_major="$("$kc_java/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' || true)"
if [[ -z "$java_major" || "$java_major" -lt 21 ]]; then
  echo "sso/keycloak-dist.sh: Keycloak $version needs Java 21 or newer; $kc_java has '${java_major:-no java}' (Debian bookworm's newest JDK is 17). Set MODELPLANE_KEYCLOAK_JAVA_HOME to a JDK 21+" >&2
  exit 1
fi
command -v mvn >/dev/null 2>&1 || { echo "sso/keycloak-dist.sh: 'mvn' is not on PATH (apt-get install -y maven)" >&2; exit 1; }

cache_root="${MODELPLANE_CACHE:-$HOME/.cache/modelplane}"
dest="$cache_root/keycloak/$version"
home="$dest/keycloak-$version"
stamp="$dest/.installed"
cached() { [[ -x "$home/bin/kc.sh" && -f "$stamp" && "$(cat "$stamp")" == "$version" ]]; }
if cached; then
  echo "sso/keycloak-dist.sh: cached: $home (Keycloak $version, $((SECONDS - start)) s)" >&2
  echo "$home"
  exit 0
fi
mkdir -p "$dest"
exec 9>"$dest/.lock"
flock 9
if cached; then
  echo "sso/keycloak-dist.sh: cached (installed by a concurrent run): $home" >&2
  echo "$home"
  exit 0
fi
staging="$(mktemp -d "$dest/.install.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
echo "sso/keycloak-dist.sh: fetching org.keycloak:keycloak-quarkus-dist:$version:tar.gz from Maven Central" >&2
mvn -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:tar.gz" -DoutputDirectory="$staging" -Dmdep.useBaseVersion=true >&2
tar -xzf "$staging/keycloak-quarkus-dist-$version.tar.gz" -C "$staging"
[[ -x "$staging/keycloak-$version/bin/kc.sh" ]] || { echo "sso/keycloak-dist.sh: the archive has no keycloak-$version/bin/kc.sh" >&2; exit 1; }
rm -f "$staging/keycloak-quarkus-dist-$version.tar.gz"
rm -rf "$home"
mv "$staging/keycloak-$version" "$home"
trap - EXIT
rm -rf "$staging"
echo "$version" >"$stamp"
echo "sso/keycloak-dist.sh: installed Keycloak $version in $((SECONDS - start)) s: $home" >&2
echo "$home"
