#!/usr/bin/env bash
# Runs every benchmark (build/bin/bench_*) on one thread and prints one JSON
# object merging their results, with ratios against the peers measured in the
# same run (libtorch when Debian's libtorch-dev was installed at build time;
# its keys are null with a note otherwise). Build first: scripts/build.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build_dir=${VT_BUILD_DIR:-build}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1  # every peer on one thread
shopt -s nullglob
benches=("$build_dir"/bin/bench_*)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "bench.sh: no benchmarks in $build_dir/bin; run scripts/build.sh first" >&2
  exit 2
fi
for b in "${benches[@]}"; do "$b" --json; done | python3 -c '
import json, sys
merged, decoder, text, i = {}, json.JSONDecoder(), sys.stdin.read(), 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    obj, i = decoder.raw_decode(text, i)
    merged.update(obj)
if "mlp_b1.libtorch_ms" not in merged:
    merged["libtorch.note"] = "libtorch-dev was not installed at build time: libtorch peers skipped"
for b in (1, 16, 128):
    k = "mlp_b%d." % b
    merged.setdefault(k + "libtorch_ms", None)
    c, raw, torch, lim = (merged.get(k + n) for n in ("compiled_ms", "raw_blas_ms", "libtorch_ms", "limit_ms"))
    if c and raw:
        merged[k + "compiled_over_raw_blas"] = c / raw
    if c and lim:
        merged[k + "compiled_over_limit"] = c / lim
    if c and torch:
        merged[k + "speedup_vs_libtorch"] = torch / c
print(json.dumps(merged, indent=2, sort_keys=True))
'
