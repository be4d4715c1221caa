#!/usr/bin/env bash
# The docs' walk-through as one script: bring up a lab, look at it with `viaduct ctl`, break a route by hand,
# let `ctl explain` name the broken piece, repair it, and take the lab down (always, also on failure or Ctrl-C).
# It uses only commands the docs show: bin/viaduct lab/ctl, ip, curl and jq. Run it as root:
#
#   bash docs/walkthrough.sh
#
# Environment: LAB (lab name, default walk), SUBNET (the node segment's first three octets, default 10.168.0),
# VIADUCT (the launcher, default bin/viaduct; the test suite points it at its own class path).
set -euo pipefail
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
VIADUCT=${VIADUCT:-$ROOT/bin/viaduct}
LAB=${LAB:-walk}
SUBNET=${SUBNET:-10.168.0}

viaduct() { "$VIADUCT" "$@"; }
step() { printf '\n### %s\n' "$*"; }
# Runs a command that must exit with the given code (ctl's exit codes are part of its interface).
expect() {
  local want=$1 got=0
  shift
  "$@" || got=$?
  if [[ $got != "$want" ]]; then
    echo "walkthrough: '$*' exited $got, expected $want" >&2
    exit 1
  fi
}
# Retries a command until it succeeds, for at most $1 seconds (the agent repairs on its own schedule).
within() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "walkthrough: '$*' still failing after the deadline" >&2
      return 1
    fi
    sleep 1
  done
}

trap 'viaduct lab down --name "$LAB"' EXIT

step "1. A lab: an etcd member and three nodes on one segment, two pods per node"
viaduct lab up --name "$LAB" --nodes 3 --pods 2 --subnet "$SUBNET"
# every ctl command below finds the lab's etcd through this variable
export VIADUCT_ETCD=http://$SUBNET.2:2379

step "2. Every node is registered and ready (exit 0)"
expect 0 viaduct ctl nodes

step "3. Two pods on different nodes, and the block the second one lives in"
A=$(viaduct ctl ipam show --node n1 -o json | jq -r '.addresses[0].address')
B=$(viaduct ctl ipam show --node n3 -o json | jq -r '.addresses[0].address')
BLOCK=$(viaduct ctl ipam show --ip "$B" -o json | jq -r '.block')
echo "A=$A on n1, B=$B on n3 in block $BLOCK"

step "4. The path between them, hop by hop, both ways (exit 0)"
expect 0 viaduct ctl explain "$A" "$B"

step "5. A Viaduct route deleted by hand comes back at once: the agent watches the kernel"
ip -n "vl$LAB-n1" route del "$BLOCK" proto 86
within 10 viaduct ctl routes --node n1
viaduct ctl routes --node n1
curl -s "http://$SUBNET.11:9099/metrics" | grep '^viaduct_routes_drifted_total'

step "6. Break it for real: a static route takes n3's block on n1 (Viaduct never replaces routes it does not own)"
ip -n "vl$LAB-n1" route replace "$BLOCK" via "$SUBNET.99" dev eth0 proto static

step "7. The symptom: pods no longer reach each other (exit 1)"
expect 1 viaduct lab check --name "$LAB"

step "8. The diagnosis: n1's routes differ (marked '!'), and explain names the broken piece (exit 1)"
expect 1 viaduct ctl routes --node n1
expect 1 viaduct ctl explain "$A" "$B"
echo "as JSON, for scripts:"
PROBLEM=$(viaduct ctl explain "$A" "$B" -o json | jq -r '.problem') || true
echo "problem: $PROBLEM"

step "9. The repair: delete the foreign route; the agent programs its own again"
ip -n "vl$LAB-n1" route del "$BLOCK" proto static
within 60 viaduct ctl explain "$A" "$B"
expect 0 viaduct ctl explain "$A" "$B"
expect 0 viaduct lab check --name "$LAB"

step "10. Done: the lab is removed on exit"
