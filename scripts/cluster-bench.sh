#!/usr/bin/env bash
# Cluster benchmark (issue 6): scenarios/bench-subnet.conf on three node processes on this machine
# (coordinator+validator, two miner nodes) against the embedded run, RUNS times each; prints every
# run and the medians. Needs the broker and PostgreSQL: by default it starts them itself with
# scripts/services.sh (or reuses MARKETSIM_AMQP / MARKETSIM_POSTGRES when both are set).
#   scripts/cluster-bench.sh [RUNS] [SCENARIO]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
scenario=${2:-scenarios/bench-subnet.conf}
work=$(mktemp -d /tmp/marketsim-cluster-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -f "$work/services/env" ]; then scripts/services.sh stop "$work/services" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${MARKETSIM_AMQP:-}" ] || [ -z "${MARKETSIM_POSTGRES:-}" ]; then
  scripts/services.sh start "$work/services"
  # shellcheck disable=SC1091
  source "$work/services/env"
  export MARKETSIM_AMQP=$MARKETSIM_TEST_AMQP MARKETSIM_POSTGRES=$MARKETSIM_TEST_POSTGRES
fi
export MARKETSIM_CLUSTER_NAME="bench-$$"

./marketsim --version >/dev/null # builds once
dll=src/MarketSim.Cli/bin/Release/net10.0/marketsim.dll
start_node() {
  dotnet "$dll" node --config hocon/node.conf --roles "$1" --set petabridge.cmd.port=0 \
    --set marketsim.node.runs-dir="$work/node-$2" >"$work/node-$2.log" 2>&1 &
  pids+=($!)
}
start_node coordinator,validator 0
start_node miners 1
start_node miners 2
for _ in $(seq 1 120); do
  [ "$(grep -l ' up; roles' "$work"/node-*.log 2>/dev/null | wc -l)" = 3 ] && break
  sleep 0.5
done
sleep 3 # membership: every node Up

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/last.err" || { cat "$work/last.err" >&2; return 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }

: >"$work/cluster" ; : >"$work/sqlite" ; : >"$work/postgres"
for i in $(seq 1 "$runs"); do
  c=$(seconds dotnet "$dll" run "$scenario" --cluster hocon/node.conf --out "$work/client")
  grep -o '[0-9]* shard messages over the broker ([0-9.]* per interval, [0-9]* shards)' "$work/last.err" | tail -1 >"$work/messages"
  s=$(seconds dotnet "$dll" run "$scenario" --out "$work/embedded" --quiet)
  p=$(seconds dotnet "$dll" run "$scenario" --journal postgres --out "$work/embedded-pg" --quiet)
  echo "$c" >>"$work/cluster"; echo "$s" >>"$work/sqlite"; echo "$p" >>"$work/postgres"
  echo "run $i: cluster ${c}s, embedded sqlite ${s}s, embedded postgres ${p}s"
done
predictions=$(grep -o '"predictions": *[0-9]*' "$(ls -d "$work"/client/*/ | head -1)summary.json" | head -1 | grep -o '[0-9]*$')
mc=$(median <"$work/cluster"); ms=$(median <"$work/sqlite"); mp=$(median <"$work/postgres")
echo "scenario $scenario: $predictions predictions; $(cat "$work/messages")"
echo "median wall time (whole command, process start included): cluster $mc s, embedded sqlite $ms s, embedded postgres $mp s"
echo "cluster: $(echo "$predictions / $mc" | bc) predictions/s end to end; cluster/embedded-sqlite $(echo "scale=2; $mc / $ms" | bc)x, cluster/embedded-postgres $(echo "scale=2; $mc / $mp" | bc)x"
for f in "$work"/client/*/summary.json; do cmp -s "$f" "$(ls "$work"/embedded/*/summary.json | head -1)" || { echo "summary differs: $f" >&2; exit 1; }; done
echo "every cluster summary.json is byte-identical to the embedded run's"
