#pragma once
/// Ends a test case whose dependency this build lacks, with a message that ctest reports as
/// "Skipped" (tests/CMakeLists.txt gives every Catch2 test SKIP_REGULAR_EXPRESSION "SKIPPED:"),
/// so a build without LibTorch or XGBoost never counts those cases as passed.
#include <catch2/catch.hpp>

#define MIGRA_SKIP_UNLESS(have, what)             \
  do {                                            \
    if (!(have)) {                                \
      WARN("SKIPPED: this build has no " what);   \
      return;                                     \
    }                                             \
  } while (0)
