#!/usr/bin/env bash
# Installs the locked dependencies with `npm ci` unless node_modules already
# matches the lock. The lock is never rewritten here: it records every
# platform's optional binaries, so `npm ci` works on a fresh clone; if it
# fails, the lock is out of date and must be fixed by a commit.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
   && [ -z "${FLEETTUNE_FORCE_INSTALL:-}" ]; then
  exit 0
fi
echo "==> installing dependencies (npm ci)" >&2
if ! npm ci --no-audit --no-fund >/tmp/fleettune-npm-ci.log 2>&1; then
  cat /tmp/fleettune-npm-ci.log >&2
  echo "==> npm ci failed; if it names entries missing from the lock, run 'npm install' once and commit package-lock.json" >&2
  exit 1
fi
