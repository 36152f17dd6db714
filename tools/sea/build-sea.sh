#!/usr/bin/env bash
# Builds the agent as one Node single executable application (SEA) for this
# platform (Linux x64 here): tools/sea/dist/fleettune-agent, a copy of the node
# binary carrying the bundled agent. No Node install needed on the host.
#   npm run build:agent-sea            (or: bash tools/sea/build-sea.sh)
# Steps: tsc the agent -> esbuild bundles it and its dependencies (grpc-js and
# the protobuf code are pure JS) into one CJS file, with the parallel audit
# reader's worker code inside (tools/sea/src/agent-bundle.ts) -> node --experimental-sea-config
# makes the blob -> postject injects it into a copy of node. Then it prints the
# binary's size and idle RSS (tools/sea/dist/measure-sea.js).
# macOS: see deploy/macos/README.md (codesign steps around postject).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tools/sea/dist
NODE_BIN="${FLEETTUNE_SEA_NODE:-$(command -v node)}"
started=$(date +%s)

echo "==> compiling the agent and tools/sea" >&2
npx tsc -b apps/agent tools/sea

echo "==> bundling apps/agent/dist/main.js and the audit reader's worker thread (esbuild)" >&2
mkdir -p "$OUT"
node tools/sea/dist/agent-bundle.js "$OUT/fleettune-agent.cjs"

echo "==> SEA blob" >&2
cat >"$OUT/sea-config.json" <<EOF
{
  "main": "$OUT/fleettune-agent.cjs",
  "output": "$OUT/sea-prep.blob",
  "disableExperimentalSEAWarning": true,
  "useCodeCache": true
}
EOF
"$NODE_BIN" --experimental-sea-config "$OUT/sea-config.json"

echo "==> injecting into a copy of $NODE_BIN" >&2
rm -f "$OUT/fleettune-agent"
cp "$NODE_BIN" "$OUT/fleettune-agent"
chmod u+w "$OUT/fleettune-agent"
npx postject "$OUT/fleettune-agent" NODE_SEA_BLOB "$OUT/sea-prep.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2
chmod 755 "$OUT/fleettune-agent"

echo "==> built $OUT/fleettune-agent in $(( $(date +%s) - started )) s" >&2
node tools/sea/dist/measure-sea.js "$OUT/fleettune-agent"
