#include "host/io/read_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernels/core/error.hpp"

namespace migra::io {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  MIGRA_THROW_IF_NOT_FMT(in && !std::filesystem::is_directory(path), "%s: cannot be read (%s)", path.c_str(),
                         in ? "is a directory" : std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json read_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    MIGRA_THROW_FMT("%s: not valid JSON (%s)", path.c_str(), e.what());
  }
}

}  // namespace migra::io
