#pragma once
/// A file written under a temporary name in its final directory and renamed into place by
/// commit(), so a killed job never leaves a half-written output: readers see the old file or
/// the whole new one. Dropped without commit(), the temporary is removed. The SHA-256 of what
/// was written is kept for the manifest. The temporary, ".NAME.tmp-PID", is flock'ed while
/// it is written, so a cleaner can tell a live writer's from a dead one's (file_lock.hpp).
#include <cstdio>
#include <string>

#include "host/io/sha256.hpp"

namespace migra::io {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t bytes);
  void write(const std::string& s) { write(s.data(), s.size()); }
  /// Flushes, syncs and renames to the final path; returns the content's hex SHA-256.
  std::string commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  std::FILE* f_ = nullptr;
  Sha256 hash_;
};

/// Writes a whole small file atomically; returns its SHA-256.
std::string write_file_atomic(const std::string& path, const std::string& content);

}  // namespace migra::io
