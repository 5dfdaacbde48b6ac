// NumPy .npz files (zip archives of .npy arrays, as np.savez and np.savez_compressed write them).
// Reading goes through zlib (inflate, CRC-32) and the .npy reader of npy.hpp; every size, offset and
// product taken from the file is checked against the file before it is used, so a corrupt or hostile
// file gives a pmm::Error naming it, never a crash or a huge allocation.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pmm {

// One array: numbers are converted to double (f8, f4, i1..i8, u1..u8, b1), C order; text arrays (NumPy '<U'
// and '|S' dtypes) keep their elements in `text` (shape as stored, usually () for a scalar string).
struct NpzArray {
  std::vector<std::int64_t> shape;
  std::vector<double> data;
  std::vector<std::string> text;
  std::string dtype;  // as stored, e.g. "<f8", "<U21"
};

// Reads stored (np.savez) and deflated (np.savez_compressed) members, zip64 included; checks every CRC-32.
// Keys are member names without ".npy". Errors are pmm::Error starting with "<path>: ".
std::map<std::string, NpzArray> read_npz(const std::string& path);

// Writes an uncompressed .npz (what np.savez writes), atomically: doubles as '<f8', text as '<U'.
// An array with text set is written as text; otherwise data must have prod(shape) values.
void write_npz(const std::string& path, const std::vector<std::pair<std::string, NpzArray>>& arrays);

}  // namespace pmm
