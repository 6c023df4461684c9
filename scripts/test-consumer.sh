#!/usr/bin/env bash
# Usage: scripts/test-consumer.sh <build_dir> <source_dir>
# Installs the build into <build_dir>/consumer-prefix, builds
# examples/consumer against it with find_package(veritape) into
# <build_dir>/consumer-build, runs it, and checks what it prints: the dtype of the graph it parsed and
# the gradient it computed on the generic tape ("f32 grad 3 -4").
# Re-runnable: the prefix and the consumer build are recreated each time.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <build_dir> <source_dir>" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
prefix="$build/consumer-prefix"
cbuild="$build/consumer-build"

cache_value() {  # cache_value VAR -> value from the main build's CMakeCache.txt
  sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" | head -n1
}

rm -rf "$prefix" "$cbuild"
cmake --install "$build" --prefix "$prefix"

args=(-S "$src/examples/consumer" -B "$cbuild"
      -DCMAKE_PREFIX_PATH="$prefix"
      -DCMAKE_BUILD_TYPE=Release)
cxx=$(cache_value CMAKE_CXX_COMPILER)
[[ -n "$cxx" ]] && args+=(-DCMAKE_CXX_COMPILER="$cxx")
gen=$(cache_value CMAKE_GENERATOR)
[[ -n "$gen" ]] && args+=(-G "$gen")
# A sanitized build installs sanitized static libraries: link the runtime too.
san=$(cache_value VT_SANITIZE)
if [[ -n "$san" ]]; then
  san=${san//;/,}
  args+=(-DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$san")
fi

cmake "${args[@]}"
cmake --build "$cbuild"

out=$("$cbuild/consumer")
echo "consumer printed: $out"
if [[ "$out" != "f32 grad 3 -4 step 0 0" ]]; then
  echo "FAIL: expected 'f32 grad 3 -4 step 0 0'" >&2
  exit 1
fi
echo "PASS: installed veritape is usable via find_package(veritape)"
