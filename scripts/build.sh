#!/usr/bin/env bash
# Configures and builds veritape into ./build (override with VT_BUILD_DIR).
# Extra arguments are passed to the configure step, e.g.
#   scripts/build.sh -DVT_SANITIZE=address,undefined -DVT_WITH_CUDA=OFF
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir=${VT_BUILD_DIR:-build}
generator=()
# Use Ninja when available, unless the build dir was already configured
# with another generator.
if command -v ninja >/dev/null 2>&1; then
  if [[ ! -f "$build_dir/CMakeCache.txt" ]] || grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build_dir/CMakeCache.txt"; then
    generator=(-G Ninja)
  fi
fi

cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build_dir" -j"$(nproc)"
