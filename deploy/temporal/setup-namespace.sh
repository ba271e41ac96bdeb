#!/bin/sh
# Makes sure the application's namespace exists and carries the custom search
# attributes that its workflows upsert (operators filter on them in the Web
# UI). Workflows that upsert an unregistered attribute fail, so the API and
# the worker wait for this job. Safe to re-run: existing namespace and
# attributes are left as they are.
set -eu

address="${TEMPORAL_ADDRESS:?}"
namespace="${TEMPORAL_NAMESPACE:?}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-168h}"
attributes="TenantId ReportStatus ReportFormat"

t() {
  temporal "$@" --address "$address"
}

# An open port is not a serving frontend; wait for the real health answer.
tries=0
until t operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Temporal at $address never reported SERVING" >&2
    t operator cluster health
    exit 1
  fi
  sleep 2
done

if t operator namespace describe --namespace "$namespace" >/dev/null 2>&1; then
  echo "namespace: $namespace exists"
else
  echo "namespace: creating $namespace (retention $retention)"
  # Another run may win the race; what matters is that it exists afterwards.
  t operator namespace create --namespace "$namespace" --retention "$retention" \
    || t operator namespace describe --namespace "$namespace" >/dev/null
fi

missing() {
  listed="$(t operator search-attribute list --namespace "$namespace" 2>/dev/null || true)"
  for name in $attributes; do
    printf '%s\n' "$listed" | grep -qw "$name" || printf '%s ' "$name"
  done
}

# A namespace created a moment ago takes a few seconds to reach every
# frontend's cache, and until then attribute registration is refused.
tries=0
todo="$(missing)"
while [ -n "$todo" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 20 ]; then
    echo "search attributes still missing after retries: $todo" >&2
    exit 1
  fi
  echo "search attributes: registering $todo"
  set --
  for name in $todo; do
    set -- "$@" --name "$name" --type Keyword
  done
  t operator search-attribute create --namespace "$namespace" "$@" || sleep 3
  todo="$(missing)"
done
echo "search attributes: $attributes registered in $namespace"
