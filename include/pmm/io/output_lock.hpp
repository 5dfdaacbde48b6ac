// One writer per output: an advisory flock(LOCK_EX | LOCK_NB) held for the whole run, so that a second run
// on the same output (two pmm-sweep on one CSV, two pmm-solve with the same --out) is refused at its start
// instead of duplicating rows or leaving files of two runs side by side. Outputs are replaced by rename,
// which gives the path a new inode, so a file's lock lives on "<path>.lock" next to it; a run folder's lock
// is on the directory itself (its inode stays).
#pragma once
#include <string>

namespace pmm {

class OutputLock {
 public:
  OutputLock() = default;
  // Locks path (a directory: the directory; anything else: "<path>.lock", created, holding the pid).
  // Throws pmm::Error "<option>: <path> is in use by another run (pid N) ..." when another process
  // holds the lock, or "<option>: <path>: cannot lock (...)" when the lock file cannot be created.
  OutputLock(const std::string& path, const std::string& option);
  // Releases the lock; a lock file is unlinked first (a waiting locker notices the unlink and retries).
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  const std::string& lock_path() const { return lock_path_; }

 private:
  void release() noexcept;
  int fd_ = -1;
  int slot_ = -1;          // register_temporary slot of the lock file (removed on SIGINT/SIGTERM/SIGHUP)
  std::string lock_path_;  // empty for a directory lock
};

}  // namespace pmm
