#!/usr/bin/env bash
# Runs every benchmark (build/bin/bench_*) and prints one JSON object merging
# their results. Build first (scripts/build.sh). Timings are for the machine
# at hand: compare only numbers measured in the same run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${VT_BUILD_DIR:-build}
shopt -s nullglob
benches=("$build_dir"/bin/bench_*)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "bench.sh: no benchmarks in $build_dir/bin; run scripts/build.sh first" >&2
  exit 2
fi
for b in "${benches[@]}"; do "$b" --json; done | python3 -c '
import json, sys
merged = {}
decoder = json.JSONDecoder()
text = sys.stdin.read()
i = 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    obj, i = decoder.raw_decode(text, i)
    merged.update(obj)
print(json.dumps(merged, indent=2, sort_keys=True))
'
