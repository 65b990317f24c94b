#!/usr/bin/env bash
# Configures and builds migra (Release) into ${BUILD_DIR:-build}. Extra arguments go to CMake,
# e.g. -DMIGRA_CUDA=OFF. The CUDA backend is built when nvcc is found (/usr/local/cuda).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
