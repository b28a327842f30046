#!/usr/bin/env bash
# Runs a command while every core is kept busy, to check that tests wait for conditions rather
# than for time (issue 16, item 7):  bash scripts/under-load.sh env CI=true npm test
# LOAD_PROCESSES sets how many busy processes run beside the command (default: one per core).
set -uo pipefail
count=${LOAD_PROCESSES:-$(nproc)}
pids=()
for _ in $(seq 1 "$count"); do
  node -e 'for (;;) {}' &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
echo "under-load: $count busy processes beside: $*" >&2
"$@"
