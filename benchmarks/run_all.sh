#!/bin/sh
# Every benchmark row in one go (about 6-8 minutes; --quick: about 2 minutes).
# Usage: sh benchmarks/run_all.sh [--quick]
set -e
cd "$(dirname "$0")/.."
for script in core_deposits append_events http_deposits fanout load_account rebuild_projections merkle_tree; do
    echo "== $script"
    timeout 600 uv run --group bench python "benchmarks/$script.py" "$@"
done
