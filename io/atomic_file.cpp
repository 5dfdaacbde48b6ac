// AtomicFile: temporary next to the target (rename is atomic only within one file system), fsync
// before rename (else a crash can leave the new name pointing at empty data), then a best-effort
// fsync of the directory so the rename itself survives a crash.
#include <pmm/io/atomic_file.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

}  // namespace

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
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    const int error_number = errno;
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
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("rename", errno);
  committed_ = true;
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, std::string_view contents) {
  AtomicFile file(path);
  file.write(contents);
  file.commit();
}

}  // namespace pmm
