#!/bin/sh
# Builds the Compose validator (tools/compose-check) into .tools/bin/compose-check.
#
#   sh tools/compose-check/install.sh           # from any directory
#
# Idempotent and silent when the binary is up to date (a stamp records the hash of the
# sources and go.mod/go.sum). Set FORCE=1 to rebuild anyway.
#
# Needs Go (GO=/path/to/go, else `go` on PATH, else /usr/local/go/bin/go) and the Go module
# proxy or a warm module cache: about 30 s and 95 MB of modules the first time, seconds after.
# go.mod asks for Go >= 1.25.9 (BuildKit v0.31.2 does); an older go fetches that toolchain
# through the proxy unless GOTOOLCHAIN=local. Versions are pinned by go.mod/go.sum and checked
# against go.sum (-mod=readonly): a tampered or drifting module fails the build.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
src="$root/tools/compose-check"
bin="$root/.tools/bin/compose-check"
stamp="$root/.tools/bin/.compose-check.stamp"

hash_sources() {
  if command -v sha256sum >/dev/null 2>&1; then
    (cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -d' ' -f1)
  else
    (cd "$src" && cat go.mod go.sum ./*.go | shasum -a 256 | cut -d' ' -f1)
  fi
}

want=$(hash_sources)
if [ "${FORCE:-}" != 1 ] && [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

go_bin=${GO:-}
if [ -z "$go_bin" ]; then
  if command -v go >/dev/null 2>&1; then
    go_bin=$(command -v go)
  elif [ -x /usr/local/go/bin/go ]; then
    go_bin=/usr/local/go/bin/go
  else
    echo "compose-check install: Go not found (install Go >= 1.25.9 or set GO=/path/to/go)" >&2
    exit 1
  fi
fi

mkdir -p "$root/.tools/bin"
echo "compose-check install: building with $("$go_bin" env GOVERSION)" >&2
# GOFLAGS is replaced, not inherited, so a stray -mod=mod cannot rewrite go.mod/go.sum.
(cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 "$go_bin" build -trimpath -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
printf '%s\n' "$want" >"$stamp"
"$bin" --version >&2
