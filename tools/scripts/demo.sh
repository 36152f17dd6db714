#!/usr/bin/env bash
# The README's demo command (after npm ci): set-up, then tools/demo.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install.sh
bash tools/scripts/services.sh --start
echo "==> generating code and building" >&2
npm run --silent db:generate >/dev/null
npm run --silent build
mkdir -p .fleettune
export DATABASE_URL=${DEMO_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/fleettune_demo}
echo "==> resetting the demo database" >&2
node -e '
  const { Client } = require("pg"); const u = new URL(process.env.DATABASE_URL); const db = u.pathname.slice(1); u.pathname = "/postgres";
  const c = new Client({ connectionString: u.toString() });
  c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)).then(() => c.end());'
rm -rf .fleettune/demo-agents
node tools/db/dist/cli.js deploy
exec node tools/demo/dist/demo.js "$@"
