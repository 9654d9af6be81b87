#!/usr/bin/env bash
# Usage: scripts/debian-packages.sh "<what needs them>" COMMAND=PACKAGE ...
# Installs each Debian PACKAGE whose COMMAND (a name on PATH, or an absolute path to any file
# the package installs) is missing,
# with apt-get when we are root (waiting for another apt to finish); otherwise exits 1
# saying what to install. Quiet when nothing is missing.
set -euo pipefail
purpose=$1
shift
missing=()
for pair in "$@"; do
  command=${pair%%=*}
  if [[ $command == /* ]]; then [[ -e $command ]] || missing+=("${pair#*=}"); else command -v "$command" >/dev/null || missing+=("${pair#*=}"); fi
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing Debian's ${missing[*]} for ${purpose} (once)"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
else
  echo "${purpose} need(s) ${missing[*]} (Debian: sudo apt-get install ${missing[*]})." >&2
  exit 1
fi
