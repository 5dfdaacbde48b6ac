// NumPy .npy files (format 1.0, 2.0 and 3.0 read; 1.0 written, 2.0 when the header needs it):
// little-endian f8, f4, i8, i4, i2, i1, u1, u2, u4, u8 and b1 arrays of any rank, in C or Fortran
// order. Every error is a pmm::Error naming the file; writes are atomic (atomic_file.hpp).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

struct NpyArray {
  std::vector<std::int64_t> shape;  // () for a scalar
  std::vector<double> data;         // C order, converted from any stored dtype and order
  std::string dtype;                // as stored, e.g. "<f8", "<i4", "|u1"
  std::size_t size() const { return data.size(); }
};

// Any supported dtype, converted to double (int64 beyond 2^53 rounds: use read_npy_int for ids).
NpyArray read_npy(const std::string& path);

// The same checks and conversions on a .npy image held in memory (a .npz member); errors start with
// "<context>: ".
NpyArray read_npy_memory(const void* data, std::size_t size, const std::string& context);

// Only the checked header of an in-memory .npy image, for dtypes read_npy does not convert (the
// .npz text arrays): the caller checks the dtype and that size - data_offset bytes hold the data.
// count is the product of the shape (checked for overflow; an empty shape's other dimensions are
// bounded as in read_npy).
struct NpyHeader {
  std::string descr;
  bool fortran = false;
  std::vector<std::int64_t> shape;
  std::uint64_t count = 1;
  std::size_t data_offset = 0;
};
NpyHeader read_npy_header_memory(const void* data, std::size_t size, const std::string& context);

// dim x n batch from an [n, dim] array of any supported dtype (integer and bool converted to double, int64 beyond
// 2^53 rounding); a 1-D [n] array is n points of dim 1.
// Errors start with "<what>: <path>: ". With finite_only, NaN or infinity is an error.
Batch read_npy_matrix(const std::string& path, const std::string& what, bool finite_only = true);

// Integer (or bool) arrays kept exact, in C order; float arrays are an error. shape, when given,
// receives the array's shape. Errors start with "<what>: <path>: " (just "<path>: " if what is "").
std::vector<std::int64_t> read_npy_int(const std::string& path, const std::string& what = "",
                                       std::vector<std::int64_t>* shape = nullptr);

// data holds prod(shape) values in C order; shape {} writes a scalar.
void write_npy(const std::string& path, const double* data, const std::vector<std::int64_t>& shape);
void write_npy_int64(const std::string& path, const std::int64_t* data,
                     const std::vector<std::int64_t>& shape);
void write_npy_int32(const std::string& path, const std::int32_t* data,
                     const std::vector<std::int64_t>& shape);
// A dim x n batch as a float64 [n, dim] array (the same memory, no copy).
void write_npy_matrix(const std::string& path, const Batch& x);

// Throws "<what>: expected finite values, got nan at index 7" (flat C-order index).
void require_finite(const double* data, std::size_t count, const std::string& what);
void require_finite(const NpyArray& array, const std::string& what);
// Throws "<what>: expected finite values, got inf at row 3 (path), column 1 (coordinate)".
void require_finite(const Batch& x, const std::string& what);

// "(3, 4)", "(3,)", "()": NumPy's spelling, for messages.
std::string format_shape(const std::vector<std::int64_t>& shape);

}  // namespace pmm
