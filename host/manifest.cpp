#include "host/manifest.hpp"

#include <ctime>
#include <filesystem>

#include "host/build_info.hpp"
#include "kernels/core/cuda_devices.hpp"
#include "kernels/core/error.hpp"

namespace migra::host {

std::string utc_timestamp() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

nlohmann::json manifest_header(const std::vector<std::string>& argv) {
  nlohmann::json m;
  m["command"] = argv;
  m["created"] = utc_timestamp();
  m["migra"] = {{"version", MIGRA_VERSION},
                {"commit", MIGRA_GIT_COMMIT},
                {"build_type", MIGRA_BUILD_TYPE},
                {"compiler", MIGRA_CXX_COMPILER},
                {"cuda_built", built_with_cuda()},
                {"torch", MIGRA_TORCH_BUILT}};
  return m;
}

void ensure_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  MIGRA_THROW_IF_NOT_FMT(!ec && std::filesystem::is_directory(dir),
                         "%s: cannot create output directory (%s)", dir.c_str(),
                         ec ? ec.message().c_str() : "exists and is not a directory");
}

}  // namespace migra::host
