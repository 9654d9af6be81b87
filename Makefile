# Voicecast developer entry points. Every target runs with the project's pinned Node
# (.tools/node-*/bin) and the Go-built tools (.tools/bin) first on PATH.
# `make help` lists the targets.

NODE_VERSION := 24.21.0
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/.tools/node-$(NODE_VERSION)/bin:$(CURDIR)/.tools/bin:$(PATH)

# Jest loads the ESM-only packages (oidc-provider, MikroORM, jose) through require(esm),
# which needs --experimental-vm-modules.
JEST_NODE_OPTIONS := --experimental-vm-modules --disable-warning=ExperimentalWarning
# Extra jest arguments, e.g. `make test JEST_ARGS='scripts/ -t lock'`.
JEST_ARGS ?=
# The data directory `make run` uses: the environment, else .env, else .data.
DATA_DIR := $(or $(VOICECAST_DATA_DIR),$(shell sed -n 's/^VOICECAST_DATA_DIR=//p' .env 2>/dev/null | tail -n 1),.data)

.DEFAULT_GOAL := help
.PHONY: help setup build run test test-unit fuzz-api bench-sip bench-udp-loopback bench-audio bench-import bench-campaign bench-scale bench-faults bench-zone-window bench-journal bench-amd bench-export bench-start bench-ingest lint typecheck format migrate migration-check keys-status reseal-keys rotate-signing-key retire-signing-keys clean clean-data

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

setup: ## install the pinned Node, npm packages, Temporal CLI and MinIO (idempotent)
	@scripts/setup.sh

build: setup ## compile to dist/ (tsoa routes and spec, then tsc)
	npm run build

run: build ## start PostgreSQL, Temporal, MinIO, the API and the worker; Ctrl-C stops all
	node dist/scripts/stack.js

test: build ## run every test against a fresh, private stack of real services
	@scripts/test-tools.sh
	NODE_OPTIONS='$(JEST_NODE_OPTIONS)' node node_modules/jest/bin/jest.js --runInBand $(JEST_ARGS)

fuzz-api: build ## schemathesis against the API's OpenAPI document, deeper than make test (FUZZ_API_EXAMPLES, default 100; FUZZ_API_SEED)
	@tools/schemathesis/install.sh
	FUZZ_API_EXAMPLES=$${FUZZ_API_EXAMPLES:-100} NODE_OPTIONS='$(JEST_NODE_OPTIONS)' node node_modules/jest/bin/jest.js --runInBand test/integration/api-fuzz.test.ts

test-unit: build ## the unit tier only: tests beside the code, no services started (about a minute)
	NODE_OPTIONS='$(JEST_NODE_OPTIONS)' node node_modules/jest/bin/jest.js -c jest.unit.config.js $(JEST_ARGS)

bench-sip: build ## SIP benchmark against sipp: calls per second vs sipp's own, RTP jitter/CPU/RSS at 100-1000 calls
	@scripts/bench-tools.sh
	node --expose-gc dist/bench/sip-bench.js

bench-udp-loopback: build ## what a UDP peer on loopback costs the sender (1,000 sockets, 50k packets/s): to read bench-sip's BENCH_RTP_ECHO figures by
	node dist/bench/udp-loopback-bench.js

bench-audio: build ## audio conversion per format: time per minute of audio, event-loop delay meanwhile, ffmpeg for scale
	@scripts/debian-packages.sh "the audio benchmark" ffmpeg=ffmpeg
	node dist/bench/audio-bench.js

bench-import: build ## contact import benchmark: a 1M-row CSV through the API (rows/s, wall time, peak RSS) vs psql \copy
	@scripts/debian-packages.sh "the import benchmark" psql=postgresql-client
	node dist/bench/import-bench.js

bench-campaign: build ## campaign benchmark: 2,000 contacts, 2 s message, sipp gateway, BENCH_REPEAT (3) runs: calls/s vs sipp's own UAC, contacts placed, failed/lost attempts; then a failover run (first trunk 503 for half the calls): calls/s with failover vs without, extra set-up per failed-over call
	@scripts/bench-tools.sh
	node dist/bench/campaign-bench.js

bench-scale: build ## campaign at scale: 1,000 calls in flight on one worker, 20,000 contacts, 30 s message, recording on; run 1 gateway silent, run 2 two-way audio: calls/s vs sipp, per-step costs, worker RSS and where it goes, Temporal events/call, RTP jitter while all are up
	@scripts/bench-tools.sh
	BENCH_CONCURRENCY=$${BENCH_CONCURRENCY:-1000} BENCH_CONTACTS=$${BENCH_CONTACTS:-20000} BENCH_MESSAGE_MS=$${BENCH_MESSAGE_MS:-30000} \
	  BENCH_RECORD=1 BENCH_RTP_ECHO=alternate BENCH_RTP_WINDOW_S=$${BENCH_RTP_WINDOW_S:-20} BENCH_REPEAT=$${BENCH_REPEAT:-2} BENCH_FAILOVER=0 \
	  node dist/bench/campaign-bench.js

bench-faults: build ## fault benchmark: a recorded 2,000-contact campaign while PostgreSQL, Temporal and MinIO are each restarted: contacts lost, double dials, recordings missing, extra time
	@scripts/bench-tools.sh
	node dist/bench/faults-bench.js

bench-zone-window: build ## calling window on the callee's clock: start (zones of 1M contacts) and claim times on a private PostgreSQL
	node dist/bench/zone-window-bench.js

bench-start: build ## campaign start with 1M contacts: answer to POST /start, first INVITE, background copy, with and without callee-local windows, vs the inline copy
	@scripts/bench-tools.sh
	node dist/bench/start-bench.js

bench-journal: build ## call journal search: 10M rows for one owner, p50/p99 through the API (by number, one-hour interval) vs the same SQL
	node dist/bench/journal-bench.js

bench-amd: build ## answering-machine detection on 1,000 labelled clips (Debian voices, recorded prompts, tones): our detector vs the Asterisk AMD() baseline
	@scripts/debian-packages.sh "the AMD benchmark" sox=sox espeak-ng=espeak-ng flite=flite text2wave=festival /usr/share/asterisk/sounds/en/beep.wav=asterisk-core-sounds-en-wav
	node dist/bench/amd-bench.js

bench-export: build ## CSV export of the journal: 1M rows through the API (rows/s, peak RSS) vs psql \copy of the same rows
	@scripts/debian-packages.sh "the export benchmark" psql=postgresql-client
	node dist/bench/export-bench.js

bench-ingest: build ## external calls: calls/s with a 30 s WAV each through REST and through voicecast-agent (gRPC), peak RSS of API and agent
	node dist/bench/ingest-bench.js

lint: setup ## eslint (type-aware) and prettier --check
	npm run lint

typecheck: setup ## tsc --noEmit over sources and tests
	npm run typecheck

format: setup ## prettier --write
	npm run format

migrate: build ## apply migrations to DATABASE_URL (needs a reachable database, e.g. `make run`)
	node dist/db/migrate.js

keys-status: build ## how many sealed values (trunk passwords, webhook secrets, auth keys) each ENCRYPTION_KEYS key id holds
	node dist/db/keys-cli.js status

reseal-keys: build ## re-seal every sealed value with the first ENCRYPTION_KEYS key (rotation; docs/operations.md)
	node dist/db/keys-cli.js reseal

rotate-signing-key: build ## a new ES256 token-signing key; APIs sign with it after their next start, old keys still verify
	node dist/db/keys-cli.js rotate-signing-key

retire-signing-keys: build ## delete all but the newest signing key, once it is older than the access-token lifetime
	node dist/db/keys-cli.js retire-signing-keys

migration-check: build ## exit 1 when the entities need schema changes no migration makes (needs a reachable database)
	node dist/db/check-schema.js

clean: ## remove dist/
	rm -rf dist

clean-data: ## delete the data of `make run` (VOICECAST_DATA_DIR, default .data); needs CONFIRM=yes
	@if [[ "$(CONFIRM)" != yes ]]; then \
	  echo "This deletes $(DATA_DIR) (PostgreSQL, Temporal and MinIO data of 'make run'). Run: make clean-data CONFIRM=yes"; exit 1; fi
	@if [[ -f "$(DATA_DIR)/stack.lock" ]] && kill -0 "$$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$(DATA_DIR)/stack.lock" | head -n 1)" 2>/dev/null; then \
	  echo "A 'make run' stack is using $(DATA_DIR); stop it first."; exit 1; fi
	rm -rf "$(DATA_DIR)"
