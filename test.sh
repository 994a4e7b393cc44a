#!/usr/bin/env bash
# Runs every MarketSim test on a fresh machine with the .NET 10 SDK (as root, or with sudo).
# It installs and starts the services the integration tests use (PostgreSQL: a Debian
# package, loopback only, data in a temporary folder), checks formatting, builds with warnings
# as errors, runs all test projects, and stops the services again.
# Extra arguments go to `dotnet test`, e.g. ./test.sh --filter "FullyQualifiedName~Hocon".
set -euo pipefail
cd "$(dirname "$0")"

services_dir=$(mktemp -d /tmp/marketsim-services.XXXXXX)
cleanup() {
  scripts/services.sh stop "$services_dir" || true
  rm -rf "$services_dir"
}
trap cleanup EXIT

echo "== services"
scripts/services.sh start "$services_dir"
# shellcheck disable=SC1091
source "$services_dir/env"
# DuckDB (npm) is the independent Parquet implementation the compatibility specs compare against.
# A plain assignment, so that a failed install stops the script (set -e).
duckdb_modules=$(scripts/duckdb-setup.sh)
export MARKETSIM_DUCKDB_NODE_MODULES=$duckdb_modules
# node-llama-cpp (npm, prebuilt llama.cpp for linux-x64, CPU) is the real language-model runtime
# the LLM miner specs talk to (tests/MarketSim.Llm.Tests): ~6 s and 85 MB on the first install,
# under 1 s after that. A plain assignment, so that a failed install stops the script (set -e).
llm_modules=$(scripts/llm-setup.sh)
export MARKETSIM_LLM_NODE_MODULES=$llm_modules
echo "== restore + build (Release, warnings are errors)"
dotnet build MarketSim.sln -c Release -nologo -v q

echo "== format check"
dotnet format MarketSim.sln --verify-no-changes --no-restore

echo "== tests"
dotnet test MarketSim.sln -c Release --no-build -nologo \
  --blame-hang --blame-hang-timeout 5m \
  --logger "console;verbosity=minimal" "$@"
