#include "host/io/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "kernels/core/error.hpp"

namespace migra::io {

LockState try_lock(int fd, bool exclusive) {
  for (;;) {
    if (::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) return LockState::Held;
    if (errno == EINTR) continue;
    return errno == EWOULDBLOCK ? LockState::Busy : LockState::Unsupported;
  }
}

LockState writer_alive(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LockState::Unsupported;
  const LockState s = try_lock(fd, true);
  ::close(fd);  // drops the lock, if this took it
  return s;
}

DirectoryLock::DirectoryLock(const std::string& dir, std::chrono::milliseconds wait) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  MIGRA_THROW_IF_NOT_FMT(fd_ >= 0, "%s: cannot open the run directory (%s)", dir.c_str(), std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (bool told = false;; told = true) {
    const LockState s = try_lock(fd_, true);
    if (s == LockState::Held) return;
    if (s == LockState::Unsupported) break;  // nothing to hold: proceed unguarded
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd_);
      MIGRA_THROW_FMT("%s is in use by another migra process; wait for it to end or choose another --out",
                      dir.c_str());
    }
    if (!told)
      std::fprintf(stderr, "migra: waiting for another process still writing %s (a run killed a moment ago?)\n",
                   dir.c_str());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::close(fd_);
  fd_ = -1;
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace migra::io
