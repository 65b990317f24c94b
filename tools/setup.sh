#!/usr/bin/env bash
# Installs what migra needs on Debian bookworm (run as root): compilers, CMake, LibTorch (CPU),
# Catch2, CLI11, nlohmann-json, toml++, OpenMP, Open MPI, XGBoost, ccache, and NumPy/SciPy/POT for the peer checks and
# benchmarks. Packages already present are left alone. The CUDA toolkit (nvcc) is optional:
# with it the CUDA backend is compiled as well.
set -euo pipefail
# libopenblas0-pthread: the BLAS behind Debian's LibTorch (the reference libblas3 it would
# otherwise load is ~2x slower on the GNN's batched matmuls).
pkgs=(build-essential cmake ninja-build git ccache libtorch-dev libopenblas0-pthread catch2 libcli11-dev
      nlohmann-json3-dev libtomlplusplus-dev libomp-dev libopenmpi-dev openmpi-bin libxgboost-dev
      python3-numpy python3-scipy python3-pot)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: dependencies present"
