#!/usr/bin/env bash
# Installs node-llama-cpp (a real llama.cpp runtime for Node.js, prebuilt for linux-x64, CPU only)
# into .tools/llm for the LLM miner specs (tests/MarketSim.Llm.Tests). Idempotent and fast when
# already installed. When sourced, it exports MARKETSIM_LLM_NODE_MODULES; when run, it prints the
# folder. Naming @node-llama-cpp/linux-x64 with --omit=optional avoids both the CUDA/Vulkan builds
# (~700 MB) and a from-source compile (~4 min).
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_dir="$_root/.tools/llm"
_ver="3.22.1"
mkdir -p "$_dir"
[ -f "$_root/.tools/.gitignore" ] || printf '*\n' > "$_root/.tools/.gitignore"
if ! grep -q "\"version\": \"$_ver\"" "$_dir/node_modules/node-llama-cpp/package.json" 2>/dev/null \
  || [ ! -d "$_dir/node_modules/@node-llama-cpp/linux-x64" ]; then
  (cd "$_dir" && { [ -f package.json ] || printf '{"private":true}\n' > package.json; } \
    && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --no-audit --no-fund --silent --save-exact \
      --omit=optional "node-llama-cpp@$_ver" "@node-llama-cpp/linux-x64@$_ver" >&2)
fi
export MARKETSIM_LLM_NODE_MODULES="$_dir/node_modules"
echo "$MARKETSIM_LLM_NODE_MODULES"
