#!/usr/bin/env bash
# Installs @duckdb/node-api (DuckDB for Node.js) into .tools/duckdb for the Parquet compatibility
# specs (trait Category=DuckDB). Idempotent and fast when already installed. When sourced, it
# exports MARKETSIM_DUCKDB_NODE_MODULES; when run, it prints the folder.
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_dir="$_root/.tools/duckdb"
mkdir -p "$_dir"
[ -f "$_root/.tools/.gitignore" ] || printf '*\n' > "$_root/.tools/.gitignore"
if ! grep -q '"version": "1.5.6-r.1"' "$_dir/node_modules/@duckdb/node-api/package.json" 2>/dev/null; then
  (cd "$_dir" && { [ -f package.json ] || printf '{"private":true}\n' > package.json; } \
    && npm install --no-audit --no-fund --silent --save-exact @duckdb/node-api@1.5.6-r.1 >&2)
fi
export MARKETSIM_DUCKDB_NODE_MODULES="$_dir/node_modules"
echo "$MARKETSIM_DUCKDB_NODE_MODULES"
