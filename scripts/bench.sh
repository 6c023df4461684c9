#!/usr/bin/env bash
# Runs every benchmark on one thread and prints one JSON object with ratios
# against the peers measured in the same run (build/bin/veritape-bench --json;
# libtorch keys are null with a note when libtorch-dev was not installed at
# build time). Build first: scripts/build.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${VT_BUILD_DIR:-build}
if [[ ! -x "$build_dir/bin/veritape-bench" ]]; then
  echo "bench.sh: $build_dir/bin/veritape-bench not found; run scripts/build.sh first" >&2
  exit 2
fi
exec "$build_dir/bin/veritape-bench" --json
