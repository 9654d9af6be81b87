#!/usr/bin/env bash
# Installs kubernetes-validate (strict JSON-schema validation of Kubernetes manifests against
# the schemas of a Kubernetes release, offline) into .tools/kubernetes-validate-<version>,
# pinned by tools/kubernetes-validate/requirements.txt. `make test` checks
# deploy/kubernetes/ with it (test/integration/kubernetes-manifest.test.ts).
exec "$(dirname "${BASH_SOURCE[0]}")/../python-tool.sh" kubernetes-validate kubernetes-validate
