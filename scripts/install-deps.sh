#!/usr/bin/env bash
# Installs veritape's build and test dependencies on Debian 12 / Ubuntu via apt.
# Idempotent: only missing packages are installed; a no-op when all are present.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git python3
  # testing: Boost.Test (+ Boost headers for Boost.Multiprecision), RapidCheck
  libboost-dev libboost-test-dev librapidcheck-dev
  # exact / interval arithmetic (reference)
  libgmp-dev libmpfr-dev libmpfi-dev
  # proofs (contracts)
  libz3-dev
  # BLAS (runtime) -- OpenBLAS, not the reference BLAS
  libopenblas-dev
  zlib1g-dev  # NPY/NPZ archives (runtime): deflate + CRC-32
  # CLI, formatting, JSON interchange
  libcli11-dev libfmt-dev nlohmann-json3-dev
  # the PyTorch bridge (bridges/torch): torch 1.13 on the CPU, numpy
  python3-torch python3-numpy
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: dpkg-query not found; this script supports Debian/Ubuntu only." >&2
  echo "Install these packages (or equivalents) by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps.sh: all dependencies present"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "install-deps.sh: missing packages: ${missing[*]}" >&2
  echo "install-deps.sh: not root and sudo is not available; run as root." >&2
  exit 1
fi

echo "install-deps.sh: installing: ${missing[*]}"
"${SUDO[@]}" apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps.sh: installed: ${missing[*]}"
