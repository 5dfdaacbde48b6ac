// OutputLock: the lock file is opened, locked, and then checked to still be the file at its path (a holder
// unlinks it on release, so a locker that opened the old inode would otherwise hold a lock nobody sees);
// on a mismatch it tries again. flock locks die with their process, so a lock file left by kill -9 is
// not locked and the next run takes it over.
#include <pmm/io/output_lock.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include <pmm/core/error.hpp>
#include <pmm/io/atomic_file.hpp>

namespace pmm {
namespace {

std::string error_text(int error_number) { return std::generic_category().message(error_number); }

std::string holder_pid(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) return "";
  return " (pid " + pid + ")";
}

[[noreturn]] void refuse(const std::string& option, const std::string& path, const std::string& pid,
                         const std::string& lock) {
  throw Error(option + ": " + path + " is in use by another run" + pid +
              "; wait for it to end or choose another output (lock: " + lock + ")");
}

}  // namespace

OutputLock::OutputLock(const std::string& path, const std::string& option) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      throw Error(option + ": " + path + ": cannot open the directory to lock it (" + error_text(e) + ")");
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd_);
      fd_ = -1;
      if (e == EWOULDBLOCK) refuse(option, path, "", "flock on the directory");
      throw Error(option + ": " + path + ": cannot lock (" + error_text(e) + ")");
    }
    return;
  }
  const std::string lock = path + ".lock";
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int e = errno;
      throw Error(option + ": " + lock + ": cannot create the lock file (" + error_text(e) + ")");
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      const std::string pid = holder_pid(fd);
      ::close(fd);
      if (e == EWOULDBLOCK) refuse(option, path, pid, lock);
      throw Error(option + ": " + lock + ": cannot lock (" + error_text(e) + ")");
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) != 0 || ::stat(lock.c_str(), &named) != 0 || held.st_ino != named.st_ino ||
        held.st_dev != named.st_dev) {
      ::close(fd);  // released and unlinked by its holder after we opened it: take the new one
      continue;
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
      // The pid is only for the message of a refused second run; the lock holds without it.
    }
    fd_ = fd;
    lock_path_ = lock;
    slot_ = register_temporary(lock_path_);
    return;
  }
  throw Error(option + ": " + lock + ": cannot lock (the lock file keeps being replaced)");
}

void OutputLock::release() noexcept {
  if (fd_ < 0) return;
  if (!lock_path_.empty()) ::unlink(lock_path_.c_str());  // before the unlock: see the retry above
  unregister_temporary(slot_);
  ::close(fd_);
  fd_ = -1;
  slot_ = -1;
  lock_path_.clear();
}

OutputLock::~OutputLock() { release(); }

OutputLock::OutputLock(OutputLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), slot_(std::exchange(other.slot_, -1)),
      lock_path_(std::move(other.lock_path_)) {
  other.lock_path_.clear();
}

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    slot_ = std::exchange(other.slot_, -1);
    lock_path_ = std::move(other.lock_path_);
    other.lock_path_.clear();
  }
  return *this;
}

}  // namespace pmm
