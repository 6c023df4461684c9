#!/usr/bin/env bash
# Runs the default test suite: everything except tests labelled "slow" or
# "browser" (the HTML report in headless chromium, which CI does not install).
# Extra arguments go to ctest, e.g. scripts/test.sh -L property, -R spec_.
# Run the slow tests too with: VT_TEST_EXCLUDE_LABELS= scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${VT_BUILD_DIR:-build}
exclude=${VT_TEST_EXCLUDE_LABELS-slow|browser}
args=(--test-dir "$build_dir" --output-on-failure -j2)
if [[ -n "$exclude" ]]; then
  args+=(-LE "$exclude")
fi
ctest "${args[@]}" "$@"
