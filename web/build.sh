#!/usr/bin/env bash
# Rebuild the vendored front-end assets in ../api/static from the pinned npm
# packages (package-lock.json). Needs node >= 18 and access to the npm registry.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run build
