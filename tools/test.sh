#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (ctest). Tests that need a GPU are reported as
# skipped when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
bash tools/build.sh
ctest --test-dir "${BUILD_DIR:-build}" -j "$(nproc)" --output-on-failure
