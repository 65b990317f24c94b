#include "host/io/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/io/file_lock.hpp"
#include "kernels/core/error.hpp"

namespace migra::io {

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  const auto slash = path_.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path_.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path_ : path_.substr(slash + 1);
  tmp_ = dir + "." + base + ".tmp-" + std::to_string(::getpid());
  f_ = std::fopen(tmp_.c_str(), "wb");
  MIGRA_THROW_IF_NOT_FMT(f_, "%s: cannot create (%s)", tmp_.c_str(), std::strerror(errno));
  try_lock(::fileno(f_), true);  // tells a resumed run this writer is alive (file_lock.hpp)
}

AtomicFile::~AtomicFile() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void AtomicFile::write(const void* data, std::size_t bytes) {
  MIGRA_ASSERT(f_);
  MIGRA_THROW_IF_NOT_FMT(std::fwrite(data, 1, bytes, f_) == bytes, "%s: write failed (%s)",
                         tmp_.c_str(), std::strerror(errno));
  hash_.update(data, bytes);
}

std::string AtomicFile::commit() {
  MIGRA_ASSERT(f_);
  const bool ok = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  std::fclose(f_);
  f_ = nullptr;
  if (!ok || std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp_.c_str());
    MIGRA_THROW_FMT("%s: cannot write (%s)", path_.c_str(), std::strerror(err));
  }
  return hash_.hex();
}

std::string write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFile f(path);
  f.write(content);
  return f.commit();
}

}  // namespace migra::io
