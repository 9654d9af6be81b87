#!/usr/bin/env bash
# What `make bench-sip` needs beyond `make setup`: sipp (Debian sip-tester) as the gateway
# and the reference caller, tcpdump to timestamp RTP packets in the kernel (receiver-side
# jitter without our own event loop in the measurement).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/debian-packages.sh "the SIP benchmark" /usr/bin/sipp=sip-tester tcpdump=tcpdump
