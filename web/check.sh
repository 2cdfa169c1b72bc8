#!/usr/bin/env bash
# Fail when the committed api/static differs from what web/ builds from its sources and
# package-lock.json (someone edited api/static by hand, or changed web/ without rebuilding).
# Installs the pinned packages (npm ci), builds into a temporary directory and compares.
# Needs node >= 18 and access to the npm registry; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
node build.mjs --out "$out" >/dev/null
if ! diff -r --brief "$out" ../api/static; then
  echo "api/static differs from what web/ builds (listed above): run web/build.sh and commit api/static" >&2
  exit 1
fi
echo "api/static matches the web/ build"
