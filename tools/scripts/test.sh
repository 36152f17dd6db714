#!/usr/bin/env bash
# The README's test command: builds everything, then runs every *.spec.js
# (unit, integration against the real PostgreSQL/Redis, end-to-end).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/install.sh
bash tools/scripts/services.sh --start
# The audit corpus spec compares `report` with aureport/ausearch: install auditd where we can (root + apt).
if ! command -v aureport >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing auditd (aureport, ausearch) for the audit corpus spec" >&2
  apt-get install -y -qq auditd >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq auditd >/dev/null 2>&1) || echo "==> auditd not installed: the aureport comparisons will be skipped" >&2
fi
npm run --silent check:generated
npm run --silent db:generate
npm run --silent build
# The agent as one executable (Node SEA, ~30 s): its smoke spec runs the binary like a host would.
npm run --silent build:agent-sea
npm run --silent db:migrate
npm run --silent lint
mapfile -t specs < <(find libs apps tools -path '*/node_modules' -prune -o -path '*/dist/*' -name '*.spec.js' -print | sort)
if [ ${#specs[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
status=0
node --test --test-concurrency=2 --test-reporter=spec "${specs[@]}" || status=$?
# Chaos last: it restarts PostgreSQL and stops Redis, which would disturb the
# specs above. FLEETTUNE_SKIP_CHAOS=1 leaves it out of a quick local run.
if [ -z "${FLEETTUNE_SKIP_CHAOS:-}" ]; then
  node tools/chaos/dist/chaos-suite.js || status=1
fi
exit $status
