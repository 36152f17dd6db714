#!/usr/bin/env bash
# Installs the locked dependencies unless node_modules already matches the
# lock. `npm ci` refuses when the registry cannot serve another platform's
# optional binaries (seen here for @bufbuild/buf-darwin-*): then a plain
# `npm install` from the same lock does the job, and we check it kept the lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
   && [ -z "${FLEETTUNE_FORCE_INSTALL:-}" ]; then
  exit 0
fi
echo "==> installing dependencies (npm ci)" >&2
if npm ci --no-audit --no-fund >/tmp/fleettune-npm-ci.log 2>&1; then
  exit 0
fi
if grep -q "from lock file" /tmp/fleettune-npm-ci.log; then
  echo "==> npm ci: the registry lacks some other platform's optional packages; installing from the same lock with npm install" >&2
  cp package-lock.json /tmp/fleettune-lock.before
  npm install --no-audit --no-fund >&2
  if ! cmp -s package-lock.json /tmp/fleettune-lock.before; then
    echo "==> warning: npm install changed package-lock.json (see git diff)" >&2
  fi
  exit 0
fi
cat /tmp/fleettune-npm-ci.log >&2
exit 1
