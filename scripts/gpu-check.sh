#!/usr/bin/env bash
# The one prepared script for a lent GPU machine (a session gets at most 15
# minutes of GPU time): builds veritape with CUDA, runs the CUDA properties
# and audits on the GPU, and runs compute-sanitizer's memcheck, racecheck and
# initcheck on an audit that launches every kernel family. Writes each step's
# output and summary.txt into OUT_DIR (default: $OUT when set, else
# gpu-check-out). Exit 0 only when every step passed.
#
# The machine has no package registry: the build's Debian libraries come
# from .gpu-prefix/ (scripts/gpu-fetch-debs.sh, run beforehand where apt
# works) when they are not installed.
#
# Usage: bash scripts/gpu-check.sh [OUT_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${1:-${OUT:-gpu-check-out}}
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
status=0
note() { echo "$*" | tee -a "$summary"; }
# step NAME COMMAND...: runs one step, its output in OUT_DIR/NAME.txt.
step() {
  local name=$1
  shift
  local t0=$SECONDS
  "$@" > "$out/$name.txt" 2>&1
  local rc=$?
  note "$(printf '%-28s %s (exit %d, %ds)' "$name" "$([[ $rc == 0 ]] && echo passed || echo FAILED)" "$rc" $((SECONDS - t0)))"
  [[ $rc == 0 ]] || status=1
  return $rc
}

prefix="$root/.gpu-prefix/root"
if [[ -d "$prefix" ]]; then
  export CMAKE_PREFIX_PATH="$prefix/usr${CMAKE_PREFIX_PATH:+:$CMAKE_PREFIX_PATH}"
  export CPATH="$prefix/usr/include:$prefix/usr/include/x86_64-linux-gnu${CPATH:+:$CPATH}"
  export LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LIBRARY_PATH:+:$LIBRARY_PATH}"
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu:$prefix/usr/lib/x86_64-linux-gnu/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$prefix/usr/bin:$PATH"
  note "libraries from $prefix"
fi

note "machine: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
note "nvcc: $(nvcc --version 2>/dev/null | tail -1 || echo 'not found')"
if ! command -v nvcc >/dev/null 2>&1 || ! nvidia-smi >/dev/null 2>&1; then
  note "no CUDA toolkit or no GPU here: nothing to check"
  exit 2
fi

build="$root/build-gpu"
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
step configure cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DVT_WITH_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90-real;90-virtual}" || { note "configure failed: see $out/configure.txt"; exit 1; }
step build cmake --build "$build" --parallel "$(nproc)" --target veritape cuda_kernels cuda_emulator || { note "build failed: see $out/build.txt"; exit 1; }
vt="$build/bin/veritape"

step emulator-tests bash -c "'$build/tests/cuda_emulator' && '$build/tests/cuda_kernels'"
step check-cuda "$vt" check --backend cuda --suite all --cases "${CASES:-200}"
audit_all() {
  local rc=0
  for g in "$root"/examples/graphs/*.vtg; do
    echo "== $g"
    "$vt" audit "$g" --backend cuda || rc=1
  done
  return $rc
}
step audit-cuda audit_all
# Every kernel family in one graph run (the transformer: embedding, linear,
# softmax, gelu, reductions, layout moves, cross-entropy ...).
sanitized=("$vt" audit "$root/examples/graphs/tiny_transformer.vtg" --backend cuda)
for tool in memcheck racecheck initcheck; do
  step "sanitizer-$tool" compute-sanitizer --tool "$tool" --error-exitcode 3 "${sanitized[@]}"
done
note "$([[ $status == 0 ]] && echo 'all steps passed' || echo 'some steps FAILED')"
exit $status
