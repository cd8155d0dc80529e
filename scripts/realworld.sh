#!/usr/bin/env bash
# `npm run realworld`: fetches published back ends from the npm registry into
# the git-ignored .cache/realworld/ (once) and prints what Preflight reports on
# each, by rule: where to look for false positives a fixture does not show.
# Compiled-only packages keep their code in dist/, which scans skip as build
# output; it is moved to compiled/ here so that it is read.
#   npm run realworld                # every package, a summary line each
#   npm run realworld -- ghost       # the findings of one, in full
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.cache/realworld
PACKAGES=(
  parse-server@9.10.0 ghost@5.130.6 @node-red/editor-api@5.0.7 @node-red/runtime@5.0.7 uptime-kuma@2.0.0-dev.0
  strapi@3.6.11 @strapi/core@5.54.0 strapi-plugin-users-permissions@3.6.11 json-server@0.17.4 mongo-express@1.0.2
  thelounge@2.6.0 ep_etherpad-lite@1.8.14 parse-dashboard@9.2.0 keystone@4.2.1 express-gateway@1.16.11
  @directus/api@23.3.2 flowise@3.1.2 n8n@2.8.4 @medusajs/medusa@2.21.2 verdaccio@5.33.0 @actual-app/sync-server@25.6.0 @saltcorn/server@1.6.2
)
mkdir -p "$DIR"
for spec in "${PACKAGES[@]}"; do
  name=${spec%@*}
  folder="$DIR/$(echo "${name#@}" | tr '/' '-')-${spec##*@}"
  [ -d "$folder" ] && continue
  tgz=$(cd "$DIR" && npm pack "$spec" --silent | tail -1)
  mkdir -p "$folder" && tar xzf "$DIR/$tgz" -C "$folder" --strip-components=1 && rm "$DIR/$tgz"
  if [ -d "$folder/dist" ] && [ ! -d "$folder/src" ] && [ ! -d "$folder/lib" ]; then mv "$folder/dist" "$folder/compiled"; fi
done
[ -f dist/cli.js ] || npm run build --silent
for folder in "$DIR"/*/; do
  base=$(basename "$folder")
  if [ $# -gt 0 ] && [[ "$base" != *"$1"* ]]; then continue; fi
  if [ $# -gt 0 ]; then
    node dist/cli.js check "$folder" --fail-on never --format json | node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
      for (const f of r.findings) console.log(`${f.ruleId.padEnd(32)} ${f.file}:${f.line}  ${f.message.slice(0, 100)}`);'
  else
    node dist/cli.js check "$folder" --fail-on never --format json | node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const by = {};
      for (const f of r.findings) by[f.ruleId] = (by[f.ruleId] ?? 0) + 1;
      const top = Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ");
      console.log(`${process.argv[1].padEnd(40)} ${String(r.findings.length).padStart(4)} findings: ${top}`);' "$base"
  fi
done
