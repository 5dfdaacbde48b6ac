// AtomicFile: temporary next to the target (rename is atomic only within one file system), fsync
// before rename (else a crash can leave the new name pointing at empty data), then a best-effort
// fsync of the directory so the rename itself survives a crash.
#include <pmm/io/atomic_file.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <vector>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

std::string error_text(int error_number) { return std::generic_category().message(error_number); }

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Registered temporaries: strdup'ed paths read by the signal handler (unlink is async-signal-safe).
constexpr int kSlots = 256;
std::atomic<char*> g_temporaries[kSlots];
OutputTransaction* g_transaction = nullptr;

extern "C" void remove_temporaries_and_die(int signal_number) {
  for (auto& slot : g_temporaries) {
    char* p = slot.load();
    if (p) ::unlink(p);
  }
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Checked at every registration (one sigaction call per signal), so that a handler set up later
// by the program keeps priority and a disposition reset to the default gets ours again.
void install_handlers() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL ||
        (old.sa_flags & SA_SIGINFO) != 0)
      continue;  // the program (or the shell: nohup, background jobs) chose another disposition
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_die;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &action, nullptr);
  }
}

}  // namespace

int register_temporary(const std::string& temp_path) {
  install_handlers();
  char* copy = ::strdup(temp_path.c_str());
  if (!copy) return -1;
  for (int i = 0; i < kSlots; ++i) {
    char* expected = nullptr;
    if (g_temporaries[i].compare_exchange_strong(expected, copy)) return i;
  }
  std::free(copy);
  return -1;
}

void unregister_temporary(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  std::free(g_temporaries[slot].exchange(nullptr));
}

int remove_stale_temporaries(const std::string& path) {
  const std::string dir = directory_of(path);
  const auto slash = path.find_last_of('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int removed = 0;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::strtol(digits.c_str(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid()) continue;
    // Only a process that does not exist (ESRCH) is known to be gone; EPERM means it lives.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (::unlink((dir + "/" + name).c_str()) == 0) ++removed;
  }
  ::closedir(d);
  return removed;
}

// Buffered writes onto the temporary's descriptor; remembers the first errno so that stream()
// users, who only see badbit, still get the reason at commit().
class AtomicFile::Buffer : public std::streambuf {
 public:
  explicit Buffer(int fd) : fd_(fd), storage_(std::size_t{1} << 16) { reset(); }
  int error() const { return error_; }
  bool drain() {
    const char* begin = pbase();
    const std::size_t size = static_cast<std::size_t>(pptr() - pbase());
    reset();
    return write_all(begin, size);
  }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    const auto size = static_cast<std::size_t>(n);
    if (size >= storage_.size()) {  // large blocks (array data) skip the copy
      if (!drain() || !write_all(s, size)) return 0;
      return n;
    }
    std::size_t done = 0;
    while (done < size) {
      const auto room = static_cast<std::size_t>(epptr() - pptr());
      if (room == 0) {
        if (!drain()) return static_cast<std::streamsize>(done);
        continue;
      }
      const std::size_t chunk = std::min(room, size - done);
      std::memcpy(pptr(), s + done, chunk);
      pbump(static_cast<int>(chunk));
      done += chunk;
    }
    return n;
  }

  int sync() override { return drain() ? 0 : -1; }

 private:
  void reset() { setp(storage_.data(), storage_.data() + storage_.size()); }

  bool write_all(const char* data, std::size_t size) {
    if (error_ != 0) return false;
    while (size > 0) {
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  int fd_;
  std::vector<char> storage_;
  int error_ = 0;
};

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  require(!path_.empty(), "output file", "expected a file name, got an empty string");
  temp_path_ = path_ + ".tmp." + std::to_string(::getpid());
  remove_stale_temporaries(path_);
  slot_ = register_temporary(temp_path_);
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int error_number = errno;
    unregister_temporary(slot_);
    throw Error(path_ + ": cannot create file (" + error_text(error_number) + ")");
  }
  buffer_ = std::make_unique<Buffer>(fd_);
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  unregister_temporary(slot_);
  slot_ = -1;
}

void AtomicFile::fail(const std::string& action, int error_number) {
  discard();
  committed_ = true;  // nothing left to clean up in the destructor
  throw Error(path_ + ": " + action + " failed (" + error_text(error_number) + ")");
}

void AtomicFile::write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

void AtomicFile::write(const void* data, std::size_t size) {
  require(fd_ >= 0, path_, "write after commit");
  const auto n = static_cast<std::streamsize>(size);
  if (buffer_->sputn(static_cast<const char*>(data), n) != n) fail("write", buffer_->error());
}

std::ostream& AtomicFile::stream() { return *stream_; }

void AtomicFile::commit() {
  require(fd_ >= 0, path_, "commit called twice");
  stream_->flush();
  if (!buffer_->drain() || buffer_->error() != 0) fail("write", buffer_->error());
  if (stream_->bad()) fail("write", EIO);
  if (::fsync(fd_) != 0) fail("fsync", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close", errno);
  if (g_transaction) {  // renamed by OutputTransaction::commit(), removed by its destructor
    g_transaction->staged_.push_back({temp_path_, path_, slot_});
    slot_ = -1;
    committed_ = true;
    return;
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("rename", errno);
  committed_ = true;
  unregister_temporary(slot_);
  slot_ = -1;
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

OutputTransaction::OutputTransaction() {
  require(g_transaction == nullptr, "output", "one OutputTransaction at a time");
  g_transaction = this;
}

OutputTransaction::~OutputTransaction() {
  if (g_transaction == this) g_transaction = nullptr;
  if (committed_) return;
  for (const auto& s : staged_) {
    ::unlink(s.temp.c_str());
    unregister_temporary(s.slot);
  }
}

void OutputTransaction::commit() {
  g_transaction = nullptr;
  committed_ = true;
  std::size_t done = 0;
  for (; done < staged_.size(); ++done) {
    const auto& s = staged_[done];
    if (std::rename(s.temp.c_str(), s.path.c_str()) != 0) {
      const int error_number = errno;
      for (std::size_t k = done; k < staged_.size(); ++k) {
        ::unlink(staged_[k].temp.c_str());
        unregister_temporary(staged_[k].slot);
      }
      throw Error(s.path + ": rename failed (" + error_text(error_number) + ")");
    }
    unregister_temporary(s.slot);
  }
  for (const auto& s : staged_) {
    const int dir = ::open(directory_of(s.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  }
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace pmm
