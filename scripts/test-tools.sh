#!/usr/bin/env bash
# What `make test` needs beyond `make setup`, installed when missing (idempotent, quiet when done):
#   - the compose validator (tools/compose-check, built with Go);
#   - Chromium from Debian for the Swagger UI test (driven by playwright-core; no browser
#     download). Installed with apt-get when we are root, else the message says what to run.
#   - sipp (Debian sip-tester) as the far end of the telephony tests, sox to inspect
#     recordings; the same way.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sh tools/compose-check/install.sh

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ ! -x $CHROMIUM ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "test-tools: installing Debian's chromium for the Swagger UI test (once)"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
  else
    echo "test-tools: $CHROMIUM is missing. Install Chromium (Debian: sudo apt-get install chromium)" \
      "or set CHROMIUM_PATH to a Chromium binary." >&2
    exit 1
  fi
fi

TELEPHONY_PACKAGES=()
[[ -x /usr/bin/sipp ]] || TELEPHONY_PACKAGES+=(sip-tester)
command -v sox >/dev/null || TELEPHONY_PACKAGES+=(sox)
if ((${#TELEPHONY_PACKAGES[@]} > 0)); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "test-tools: installing Debian's ${TELEPHONY_PACKAGES[*]} for the telephony tests (once)"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${TELEPHONY_PACKAGES[@]}" >/dev/null
  else
    echo "test-tools: the telephony tests need ${TELEPHONY_PACKAGES[*]}" \
      "(Debian: sudo apt-get install ${TELEPHONY_PACKAGES[*]})." >&2
    exit 1
  fi
fi
