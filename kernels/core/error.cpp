#include "kernels/core/error.hpp"

#include <cstdlib>

namespace migra::detail {

void assert_fail(const char* cond, const char* func, const char* file, int line) {
  std::fprintf(stderr, "migra: internal error: assertion '%s' failed in %s at %s:%d\n", cond,
               func, file, line);
  std::abort();
}

}  // namespace migra::detail
