#!/usr/bin/env bash
# What `make test` needs beyond `make setup`, installed when missing (idempotent, quiet when done):
#   - the compose validator (tools/compose-check, built with Go);
#   - Chromium from Debian for the browser tests, Swagger UI and the campaign events'
#     EventSource (driven by playwright-core; no browser download), or CHROMIUM_PATH pointing
#     at one;
#   - schemathesis from PyPI (pinned) for the API fuzz test (tools/schemathesis/install.sh);
#   - kubernetes-validate from PyPI (pinned): the Kubernetes manifest test (tools/kubernetes-validate);
#   - sipp (Debian sip-tester) as the far end of the telephony tests, sox as the reference
#     G.711/WAV implementation the codec tests compare with;
#   - espeak-ng and asterisk-core-sounds-en-wav: the voices the answering-machine tests play;
#   - iproute2 (`ip netns`, veth, bridge): the multi-host test's network namespaces.
# Debian packages are installed with apt-get when we are root, else the message says what to run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sh tools/compose-check/install.sh
bash tools/schemathesis/install.sh
bash tools/kubernetes-validate/install.sh

if [[ -n ${CHROMIUM_PATH:-} ]]; then
  [[ -x $CHROMIUM_PATH ]] || { echo "test-tools: CHROMIUM_PATH=$CHROMIUM_PATH is not executable" >&2; exit 1; }
else
  scripts/debian-packages.sh "the browser tests (Swagger UI, campaign events)" /usr/bin/chromium=chromium
fi
scripts/debian-packages.sh "the telephony tests" /usr/bin/sipp=sip-tester sox=sox
scripts/debian-packages.sh "the audio quality tests (ffmpeg is the reference conversion)" ffmpeg=ffmpeg
scripts/debian-packages.sh "the answering-machine detection tests (a voice and recorded prompts for the far end)" \
  espeak-ng=espeak-ng /usr/share/asterisk/sounds/en/beep.wav=asterisk-core-sounds-en-wav
scripts/debian-packages.sh "the multi-host test (workers in network namespaces)" /usr/sbin/ip=iproute2
