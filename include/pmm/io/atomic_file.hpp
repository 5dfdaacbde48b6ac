// All-or-nothing file output: bytes go to "<path>.tmp.<pid>" in the target's directory, which is
// fsynced and renamed over <path> on commit, so readers see the old file or the whole new one and an
// error or exception never leaves a partial output behind (the temporary is removed).
#pragma once
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include <pmm/io/matrix_file.hpp>  // write_matrix / read_matrix: .npy or .csv by extension

namespace pmm {

class AtomicFile {
 public:
  // Creates the temporary file; throws pmm::Error "<path>: cannot create ..." (missing directory,
  // no permission).
  explicit AtomicFile(std::string path);
  // Without commit(): removes the temporary and leaves <path> as it was.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  void write(const void* data, std::size_t size);
  // Buffered stream onto the same file (formatted output); a failed write surfaces at commit().
  std::ostream& stream();

  // Flushes, fsyncs, renames over <path>. On failure removes the temporary and throws pmm::Error.
  void commit();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  class Buffer;
  void fail(const std::string& action, int error_number);  // cleans up, throws
  void discard() noexcept;

  std::string path_, temp_path_;
  int fd_ = -1;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
  bool committed_ = false;
};

// Whole-file atomic write of contents.
void write_file_atomic(const std::string& path, std::string_view contents);

}  // namespace pmm
