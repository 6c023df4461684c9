#!/usr/bin/env bash
# Prepares the libraries a lent GPU machine lacks (it has nvcc, a driver and
# PyTorch, but no Boost, GMP, Z3, OpenBLAS, ... and no package registry):
# downloads the build's Debian packages here, where apt works, and extracts
# them into .gpu-prefix/ in the repository root, which scripts/gpu-check.sh
# uses. Carry .gpu-prefix to the GPU machine (about 35 MB of packages, more
# with cmake), e.g. as the device tool's `carry` path. The libraries are
# Debian 12's: they need glibc 2.36 or later on the GPU machine.
#
# Usage: bash scripts/gpu-fetch-debs.sh [--with-cmake]
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(
  libboost1.74-dev libboost-test1.74-dev libboost-test1.74.0 librapidcheck-dev
  libgmp-dev libgmp10 libgmpxx4ldbl libmpfr-dev libmpfr6 libmpfi-dev libmpfi0
  libz3-dev libz3-4
  libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libgfortran5
  zlib1g-dev libcli11-dev libfmt-dev libfmt9 nlohmann-json3-dev
)
if [[ "${1:-}" == "--with-cmake" ]]; then
  PACKAGES+=(cmake cmake-data ninja-build libjsoncpp25 librhash0 libuv1 libarchive13)
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "gpu-fetch-debs.sh: apt-get not found; run this on a Debian machine" >&2
  exit 1
fi
grep -qx '/.gpu-prefix/' .git/info/exclude 2>/dev/null || echo '/.gpu-prefix/' >> .git/info/exclude
rm -rf .gpu-prefix && mkdir -p .gpu-prefix/debs
(cd .gpu-prefix/debs && apt-get download "${PACKAGES[@]}")
for deb in .gpu-prefix/debs/*.deb; do dpkg -x "$deb" .gpu-prefix/root; done
rm -rf .gpu-prefix/debs
echo "gpu-fetch-debs.sh: extracted ${#PACKAGES[@]} packages into .gpu-prefix/root ($(du -sh .gpu-prefix | cut -f1))"
