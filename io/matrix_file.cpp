// write_matrix / read_matrix: the extension picks npy.hpp or csv.hpp, so every app accepts the same
// two formats for points with the same messages.
#include <pmm/io/matrix_file.hpp>

#include <pmm/io/csv.hpp>
#include <pmm/io/npy.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const std::string t(suffix);
  return s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

[[noreturn]] void bad_extension(const std::string& path, const std::string& what) {
  throw Error(what + ": expected a file name ending in .npy or .csv, got '" + path + "'");
}

}  // namespace

void write_matrix(const std::string& path, const Batch& x, const std::string& what) {
  if (ends_with(path, ".npy")) return write_npy_matrix(path, x);
  if (ends_with(path, ".csv")) return write_csv_matrix(path, x);
  bad_extension(path, what);
}

Batch read_matrix(const std::string& path, const std::string& what, bool finite_only) {
  if (ends_with(path, ".npy")) return read_npy_matrix(path, what, finite_only);
  if (ends_with(path, ".csv")) return read_csv_matrix(path, what, finite_only);
  bad_extension(path, what);
}

}  // namespace pmm
