// All-or-nothing file output: bytes go to "<path>.tmp.<pid>" in the target's directory, which is
// fsynced and renamed over <path> on commit, so readers see the old file or the whole new one and an
// error or exception never leaves a partial output behind (the temporary is removed).
#pragma once
#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

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
  int slot_ = -1;
};

// Whole-file atomic write of contents.
void write_file_atomic(const std::string& path, std::string_view contents);

// All outputs of one run or none. While an OutputTransaction is alive (one at a time, made on the
// main thread), AtomicFile::commit() writes, fsyncs and closes its temporary but defers the rename;
// the transaction's commit() renames every staged file into place, and its destructor without
// commit() removes them: a run that fails at its last output (--report on a full disk) leaves every
// pre-existing file as it was. (Renames within one directory do not fail for want of space; a
// failure among them is reported, the files renamed before it stay.)
class OutputTransaction {
 public:
  OutputTransaction();
  ~OutputTransaction();
  OutputTransaction(const OutputTransaction&) = delete;
  OutputTransaction& operator=(const OutputTransaction&) = delete;
  void commit();

 private:
  friend class AtomicFile;
  struct Staged {
    std::string temp, path;
    int slot;
  };
  std::vector<Staged> staged_;
  bool committed_ = false;
};

// Temporaries and signals: every temporary ("<path>.tmp.<pid>") is registered while it exists; the
// registration installs handlers for SIGINT, SIGTERM and SIGHUP (only where the disposition is
// still the default) that unlink the registered temporaries and then die of the same signal. A new
// AtomicFile also removes "<path>.tmp.<pid>" files next to its target whose process no longer
// exists (left by kill -9 or a crash). register_temporary returns a slot for unregister_temporary
// (-1 when the table of 256 is full: that file is then not removed on a signal).
int register_temporary(const std::string& temp_path);
void unregister_temporary(int slot);
// Removes "<path>.tmp.<pid>" files of dead processes; returns how many were removed.
int remove_stale_temporaries(const std::string& path);

}  // namespace pmm
