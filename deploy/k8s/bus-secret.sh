#!/usr/bin/env bash
# deploy/k8s/bus-secret.sh - print the Secret hrflow-bus with fresh CURVE keys.
#
# usage: deploy/k8s/bus-secret.sh KEYGEN > bus-secret.yaml
#   KEYGEN runs hrflow-broker, e.g. build/services/broker/hrflow-broker, or
#   'docker run --rm REGISTRY/hrflow:TAG /usr/local/bin/hrflow-broker'
#
# The Secret holds the brokers' key pair, one key pair per program that
# connects to them, and authorized-keys, the public keys the brokers let in
# (the shape of secret.example.yaml). Keep the output out of version control.
set -euo pipefail

if (($# != 1)); then
  sed -n '4,6p' "$0" >&2
  exit 2
fi
KEYGEN=$1
# every process of services/services.list but the broker connects to the brokers
LIST=$(dirname "${BASH_SOURCE[0]}")/../../services/services.list
CLIENTS=()
while read -r name kind _; do
  case $name in '' | '#'*) continue ;; esac
  if [[ $kind != broker ]]; then CLIENTS+=("$name"); fi
done <"$LIST"

# keypair: "PUBLIC SECRET" from `hrflow-broker keygen`.
keypair() {
  local tag public secret
  # shellcheck disable=SC2086  # KEYGEN may be a command with arguments
  { read -r tag public && read -r tag secret; } < <($KEYGEN keygen)
  if [[ ${#public} != 40 || ${#secret} != 40 ]]; then
    echo "bus-secret.sh: '$KEYGEN keygen' printed no key pair" >&2
    exit 1
  fi
  echo "$public $secret"
}

read -r server_public server_secret < <(keypair)
authorized=""
lines=()
for name in "${CLIENTS[@]}"; do
  read -r public secret < <(keypair)
  authorized+=${authorized:+,}$public
  lines+=("  $name-secret-key: '$secret'")
done

# Z85 has no quote character: single-quoted YAML scalars hold the keys as they are.
cat <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: hrflow-bus
  namespace: hrflow
type: Opaque
stringData:
  server-public-key: '$server_public'
  broker-secret-key: '$server_secret'
  authorized-keys: '$authorized'
YAML
printf '%s\n' "${lines[@]}"
