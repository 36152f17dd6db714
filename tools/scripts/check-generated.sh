#!/usr/bin/env bash
# Generated protobuf types must match the .proto; fails when someone edited
# one without regenerating the other.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd libs/proto && ../../node_modules/.bin/buf generate -o "$tmp")
if ! diff -r "$tmp/src/generated" libs/proto/src/generated >/dev/null; then
  echo "libs/proto/src/generated is out of date: run npm run proto:generate and commit the result" >&2
  diff -r "$tmp/src/generated" libs/proto/src/generated | head -20 >&2
  exit 1
fi
echo "generated protobuf code is up to date" >&2
