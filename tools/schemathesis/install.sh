#!/usr/bin/env bash
# Installs schemathesis (the OpenAPI fuzzer of `make test` and `make fuzz-api`) into
# .tools/schemathesis-<version>, pinned by tools/schemathesis/requirements.txt.
exec "$(dirname "${BASH_SOURCE[0]}")/../python-tool.sh" schemathesis st
