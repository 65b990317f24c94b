#pragma once
/// Advisory whole-file locks (flock(2)). A lock belongs to an open file description and goes
/// when its last descriptor closes, which the kernel does for a killed process as it exits,
/// so "can I lock it?" tells whether a writer is still alive, where a PID cannot (a killed
/// MPI rank lingers a second as a zombie; PIDs are reused; ranks live on other nodes).
#include <chrono>
#include <string>

namespace migra::io {

enum class LockState { Held, Busy, Unsupported };

/// Tries to lock `fd` without waiting: Held, Busy (another description holds a conflicting
/// lock) or Unsupported (a file system without flock, e.g. Lustre mounted without it).
LockState try_lock(int fd, bool exclusive);

/// Whether the file at `path` is locked by a live writer: Busy if so, Held if not (the lock is
/// dropped again at once), Unsupported when that cannot be told.
LockState writer_alive(const std::string& path);

/// An exclusive lock on a directory, held for this object's life, that keeps two processes
/// from writing the same run directory. A holder that is still going (e.g. the ranks of a
/// killed mpirun, which outlive it by a second or two) is waited for up to `wait`, with one
/// notice on stderr; after that migra::Error names the directory. On a file system without
/// flock the lock is skipped.
class DirectoryLock {
 public:
  DirectoryLock(const std::string& dir, std::chrono::milliseconds wait);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace migra::io
