#!/usr/bin/env bash
# Installs a Python command-line tool into .tools/<tool>-<version>, a virtual environment of
# its own, from PyPI with every package pinned (tools/<tool>/requirements.txt, from
# `pip freeze`; <tool>==<version> is one of its lines).
# Usage: tools/python-tool.sh <tool> <command in the venv's bin/ that proves it runs>
# Idempotent and silent when installed: a stamp records the hash of the requirements.
# Needs python3 with venv (Debian: python3, python3-venv; installed when root).
set -euo pipefail
tool=$1 check=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$root/tools/$tool/requirements.txt"
version=$(sed -n "s/^$tool==//p" "$requirements")
[[ -n $version ]] || { echo "python-tool: no $tool==<version> in $requirements" >&2; exit 1; }
# A virtual environment writes its own absolute path into its scripts: resolve .tools (a
# symlink in a git worktree) so that the path stays valid when the worktree goes.
mkdir -p "$root/.tools"
venv="$(realpath "$root/.tools")/$tool-$version"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
# Installed, of these requirements, and it still runs (a moved checkout breaks the scripts).
if [[ -f $stamp && $(cat "$stamp") == "$want" ]] && "$venv/bin/$check" --version >/dev/null 2>&1; then exit 0; fi

"$root/scripts/debian-packages.sh" "$tool (tools/$tool)" python3=python3
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  py=$(python3 -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')
  "$root/scripts/debian-packages.sh" "$tool (tools/$tool)" "/nonexistent/venv=python$py-venv"
fi
echo "installing $tool $version into .tools/ (once)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
"$venv/bin/$check" --version >/dev/null
echo "$want" >"$stamp"
