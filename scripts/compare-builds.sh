#!/usr/bin/env bash
# Compares the speed of two builds of marketsim side by side on this machine: REF (any git revision, built in a
# temporary worktree) against the working tree, each built as its own ./marketsim builds it (the working tree:
# ReadyToRun publish; older revisions: a plain Release build). Both play the same scenario, alternating, N times each:
#   - end to end: `marketsim run FILE --quiet` as a cold process (wall time of the whole command);
#   - in one process: `marketsim bench FILE --repeat N` (its median wall per run; the first, JIT-warming run is included
#     in neither build's median only if you raise N).
# Prints every sample, the medians and the ratio working tree / REF.
# Usage: scripts/compare-builds.sh REF [N] [FILE]      e.g. scripts/compare-builds.sh b0ea6a0 5
set -euo pipefail
cd "$(dirname "$0")/.."
ref=${1:?usage: scripts/compare-builds.sh REF [N] [FILE]}
n=${2:-5}
file=${3:-scenarios/bench-subnet.conf}

work=$(mktemp -d /tmp/marketsim-compare.XXXXXX)
cleanup() {
  git worktree remove --force "$work/ref" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building $ref and the working tree (Release)" >&2
git worktree add --detach "$work/ref" "$ref" >/dev/null 2>&1
"$work/ref/marketsim" --version >/dev/null
./marketsim --version >/dev/null
shipped() { # tree -> the dll its ./marketsim runs
  if [ -f "$1/src/MarketSim.Cli/bin/Release/marketsim-r2r/marketsim.dll" ]; then
    echo "$1/src/MarketSim.Cli/bin/Release/marketsim-r2r/marketsim.dll"
  else
    echo "$1/src/MarketSim.Cli/bin/Release/net10.0/marketsim.dll"
  fi
}
old=$(shipped "$work/ref")
new=$(shipped "$PWD")
echo "== $ref: $old" >&2
echo "== working tree: $new" >&2

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_once() { # dll -> seconds
  local out="$work/out"
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N)
  dotnet "$1" run "$file" --quiet --out "$out" >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

bench_once() { # dll -> median wall (s) of one `marketsim bench --repeat n` process
  dotnet "$1" bench "$file" --repeat "$n" --json | sed -n 's/.*"median_wall_s": *\([0-9.eE+-]*\).*/\1/p'
}

: >"$work/run-old"; : >"$work/run-new"; : >"$work/bench-old"; : >"$work/bench-new"
for i in $(seq 1 "$n"); do
  a=$(run_once "$old"); b=$(run_once "$new")
  echo "run $i: $ref ${a}s, working tree ${b}s" >&2
  echo "$a" >>"$work/run-old"; echo "$b" >>"$work/run-new"
done
for i in 1 2; do
  a=$(bench_once "$old"); b=$(bench_once "$new")
  echo "bench process $i (median of $n runs): $ref ${a}s, working tree ${b}s" >&2
  echo "$a" >>"$work/bench-old"; echo "$b" >>"$work/bench-new"
done

ro=$(median <"$work/run-old"); rn=$(median <"$work/run-new")
bo=$(median <"$work/bench-old"); bn=$(median <"$work/bench-new")
printf 'end to end (marketsim run, cold process, median of %s): %s %.3f s, working tree %.3f s, ratio %.3f\n' "$n" "$ref" "$ro" "$rn" "$(echo "$rn / $ro" | bc -l)"
printf 'one process (marketsim bench, median of %s, two processes each): %s %.3f s, working tree %.3f s, ratio %.3f\n' "$n" "$ref" "$bo" "$bn" "$(echo "$bn / $bo" | bc -l)"
