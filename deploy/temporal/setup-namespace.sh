#!/bin/sh
# One-shot job of docker-compose.yml (`temporal-setup`, temporalio/admin-tools image): waits
# for the Temporal frontend, creates the namespace if missing and registers Voicecast's
# search attributes (the same ones the local dev server gets with --search-attribute).
# Idempotent: an existing namespace or search attribute is left as it is.
set -eu

: "${TEMPORAL_ADDRESS:=temporal:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_NAMESPACE_RETENTION:=72h}"
: "${TEMPORAL_SEARCH_ATTRIBUTES:=CampaignId=Keyword OwnerId=Keyword CampaignStatus=Keyword}"
: "${SETUP_ATTEMPTS:=60}"

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, SETUP_ATTEMPTS times at most.
retry() {
  what=$1
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$SETUP_ATTEMPTS" ]; then
      echo "temporal-setup: giving up: $what" >&2
      return 1
    fi
    n=$((n + 1))
    sleep 2
  done
}

tcli() {
  temporal "$@" --address "$TEMPORAL_ADDRESS" --color never
}

ensure_namespace() {
  tcli operator namespace describe --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 ||
    tcli operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$TEMPORAL_NAMESPACE_RETENTION"
}

has_search_attribute() {
  tcli operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" --output json |
    grep -q "\"$1\""
}

echo "temporal-setup: waiting for Temporal at $TEMPORAL_ADDRESS"
retry "cluster health" tcli operator cluster health >/dev/null

echo "temporal-setup: namespace '$TEMPORAL_NAMESPACE'"
retry "namespace $TEMPORAL_NAMESPACE" ensure_namespace

for attribute in $TEMPORAL_SEARCH_ATTRIBUTES; do
  name=${attribute%%=*}
  type=${attribute#*=}
  echo "temporal-setup: search attribute $name ($type)"
  # A freshly created namespace takes a few seconds to reach every service: retry.
  retry "search attribute $name" tcli operator search-attribute create \
    --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type"
  retry "search attribute $name to show up" has_search_attribute "$name"
done

echo "temporal-setup: done"
