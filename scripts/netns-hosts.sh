#!/usr/bin/env bash
# Three hosts on one machine (docs/agents.md, "Three hosts in network namespaces"): network
# namespaces joined by veth pairs to a bridge, the controller (with the run's authority and DHT
# bootstrap nodes) in one, an agent in each of the other two. Runs a profile across them, cuts the
# first agent's host off the network mid-run (its link to the bridge down: a real partition, not a
# shaped one), restores it, and leaves the report in OUT. The namespaces are removed on every exit.
#
#   sudo scripts/netns-hosts.sh [PROFILE] [OUT]      (root and iproute2; `npm run build` first)
#
# Environment: DURATION_S (default 24), CUT_AT_S and HEAL_AT_S (run seconds; default 8 and 14).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${1:-profiles/smoke.yaml}"
OUT="${2:-reports/netns-$(date +%Y%m%dT%H%M%S)}"
DURATION_S="${DURATION_S:-24}"
CUT_AT_S="${CUT_AT_S:-8}"
HEAL_AT_S="${HEAL_AT_S:-14}"
SECRET="netns-$$-$RANDOM"
TAG="p2pm$$"
HUB="$TAG-hub"
NAMES=(ctl h1 h2)
ADDRS=(10.87.0.1 10.87.0.2 10.87.0.3)
LOGS="$(mktemp -d)"
PIDS=()

cleanup() {
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  for n in "${NAMES[@]}"; do ip netns del "$TAG-$n" 2>/dev/null || true; done
  ip netns del "$HUB" 2>/dev/null || true
  rm -rf "$LOGS"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
  echo "netns-hosts: needs root and iproute2 (ip)" >&2
  exit 77
fi
[ -f dist/src/cli.js ] || { echo "netns-hosts: run npm run build first" >&2; exit 2; }

ip netns add "$HUB"
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
for i in 0 1 2; do
  n="$TAG-${NAMES[$i]}"
  ip netns add "$n"
  ip link add "v-${NAMES[$i]}-$$" netns "$n" type veth peer name "b-${NAMES[$i]}" netns "$HUB"
  ip -n "$n" link set "v-${NAMES[$i]}-$$" name eth0
  ip -n "$n" addr add "${ADDRS[$i]}/24" dev eth0
  ip -n "$n" link set eth0 up
  ip -n "$n" link set lo up
  ip -n "$HUB" link set "b-${NAMES[$i]}" master br0
  ip -n "$HUB" link set "b-${NAMES[$i]}" up
done

ip netns exec "$TAG-ctl" env CI=true node dist/src/cli.js run "$PROFILE" --headless --duration "$DURATION_S" --out "$OUT" \
  --agents 2 --agent-host "${ADDRS[0]}" --agent-port 7400 --agent-secret "$SECRET" >"$LOGS/ctl.log" 2>&1 &
CONTROLLER=$!
PIDS+=("$CONTROLLER")
until grep -q '^agents: waiting' "$LOGS/ctl.log" 2>/dev/null; do
  kill -0 "$CONTROLLER" 2>/dev/null || { cat "$LOGS/ctl.log" >&2; exit 1; }
  sleep 0.2
done
for i in 1 2; do
  ip netns exec "$TAG-${NAMES[$i]}" node dist/src/cli.js agent --controller "${ADDRS[0]}:7400" --secret "$SECRET" --host "${ADDRS[$i]}" >"$LOGS/${NAMES[$i]}.log" 2>&1 &
  PIDS+=("$!")
done

# The progress lines count run seconds ("[  7s/20s]", "[1m40s/3m0s]"): the latest, in seconds.
elapsed_s() {
  grep -Eo '^\[ *([0-9]+m)?[0-9]+s/' "$LOGS/ctl.log" 2>/dev/null | tail -n 1 | tr -d '[ /' |
    awk -F'm' '{ if (NF == 2) { sub(/s/, "", $2); print $1 * 60 + $2 } else { sub(/s/, "", $1); print $1 + 0 } }'
}
# Waits until the run is at least $1 seconds in (a late progress line can skip a second).
wait_for_second() {
  until [ "$(elapsed_s)" != "" ] && [ "$(elapsed_s)" -ge "$1" ]; do
    kill -0 "$CONTROLLER" 2>/dev/null || return 1
    sleep 0.1
  done
}
wait_for_second "$CUT_AT_S" && ip -n "$HUB" link set b-h1 down && echo "netns-hosts: h1 (${ADDRS[1]}) cut off at ${CUT_AT_S} s"
wait_for_second "$HEAL_AT_S" && ip -n "$HUB" link set b-h1 up && echo "netns-hosts: h1 (${ADDRS[1]}) back at ${HEAL_AT_S} s"

status=0
wait "$CONTROLLER" || status=$?
for pid in "${PIDS[@]:1}"; do wait "$pid" || true; done
PIDS=()
tail -n 3 "$LOGS/ctl.log"
for n in h1 h2; do echo "$n: $(tail -n 1 "$LOGS/$n.log")"; done
exit "$status"
