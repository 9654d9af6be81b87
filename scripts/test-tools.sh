#!/usr/bin/env bash
# What `make test` needs beyond `make setup`, installed when missing (idempotent, quiet when done):
#   - the compose validator (tools/compose-check, built with Go);
#   - Chromium from Debian for the Swagger UI test (driven by playwright-core; no browser
#     download). Installed with apt-get when we are root, else the message says what to run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sh tools/compose-check/install.sh

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "test-tools: installing Debian's chromium for the Swagger UI test (once)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test-tools: $CHROMIUM is missing. Install Chromium (Debian: sudo apt-get install chromium)" \
      "or set CHROMIUM_PATH to a Chromium binary." >&2
    exit 1
  fi
fi
