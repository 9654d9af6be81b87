#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis (pinned, installed into
# .tools/ by tools/schemathesis/install.sh): every phase (examples, coverage, fuzzing,
# stateful), checking that the server answers exactly what the spec documents.
#
#   scripts/fuzz-api.sh <api base URL> <bearer token> [extra st run arguments]
#
# FUZZ_API_EXAMPLES (default 20) cases per operation and phase; FUZZ_API_SEED (default 1) the
# random seed, fixed so a CI failure replays; FUZZ_API_CHECKS other checks (e.g. `all`);
# FUZZ_API_REPORT_DIR where the JUnit report goes.
# `make test` runs this through test/integration/api-fuzz.test.ts (an administrator and a
# plain user, each on a private stack), `make fuzz-api` the same with more examples.
#
# Excluded operations, and why (each is covered by its own integration tests instead):
#   StartCampaign, ResumeCampaign  place calls: INVITEs to whatever trunk host was generated.
#   TestTrunk, CheckWorker         send SIP OPTIONS to a generated trunk host (to the outside).
#   ChangePassword, UpdateUser     would change the fuzzing user's own password, role or
#                                  `disabled`, ending the session the fuzzer runs on.
#   StreamCampaignEvents           a stream that ends only with its campaign: every request on
#                                  a campaign it made would wait out --request-timeout.
# Webhooks are created but never fire: no call is placed, so nothing is delivered.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${1:?usage: scripts/fuzz-api.sh <api base URL> <bearer token> [st run arguments]}
token=${2:?usage: scripts/fuzz-api.sh <api base URL> <bearer token> [st run arguments]}
shift 2
bash "$root/tools/schemathesis/install.sh"
version=$(sed -n 's/^schemathesis==//p' "$root/tools/schemathesis/requirements.txt")
report_dir=${FUZZ_API_REPORT_DIR:-$(mktemp -d)}
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
checks+=,response_headers_conformance,negative_data_rejection,unsupported_method,missing_required_header
checks+=,allow_header_conformance,use_after_free,ensure_resource_availability
checks=${FUZZ_API_CHECKS:-$checks} # e.g. FUZZ_API_CHECKS=all
cd "$report_dir" # schemathesis keeps its example database (.schemathesis/) in the working directory
exec "$root/.tools/schemathesis-$version/bin/st" --no-color run "$base/openapi.json" \
  --url "$base" \
  --header "Authorization: Bearer $token" \
  --phases examples,coverage,fuzzing,stateful \
  --checks "$checks" \
  --max-examples "${FUZZ_API_EXAMPLES:-20}" \
  --seed "${FUZZ_API_SEED:-1}" \
  --workers 1 \
  --request-timeout 30 \
  --exclude-operation-id StartCampaign \
  --exclude-operation-id ResumeCampaign \
  --exclude-operation-id TestTrunk \
  --exclude-operation-id CheckWorker \
  --exclude-operation-id ChangePassword \
  --exclude-operation-id UpdateUser \
  --exclude-operation-id StreamCampaignEvents \
  --report junit --report-dir "$report_dir" \
  --warnings off \
  "$@"
