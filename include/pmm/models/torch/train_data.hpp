// Training data sets for pmm-train (torch-free): MNIST-style IDX image files, CIFAR-10 binary batches,
// character-level text, built-in small sets needing no download, and the per-process value maps for images
// (Normal: 2 p/255 - 1; Gamma-Poisson: p/255; Inverse-Gamma-Gamma: (p + 1)/256, > 0).
#pragma once
#include <string>
#include <vector>

#include <pmm/models/torch/trainer.hpp>

namespace pmm {

// IDX unsigned-byte file (magic 0x0803 images [n, H, W] or 0x0801 vectors): raw values 0..255, event [1, H, W].
// Gzipped files are refused with a message saying to gunzip them.
TrainData load_idx_images(const std::string& path);
// One or more CIFAR-10 binary batches (records: 1 label byte + 3072 pixel bytes): event [3, 32, 32], raw 0..255.
TrainData load_cifar_batches(const std::vector<std::string>& paths);
// Characters of a text file cut into non-overlapping sequences of seq_len. The vocabulary is the sorted set of
// bytes present (vocab_out receives it); x holds token ids, event [seq_len, V].
TrainData load_text(const std::string& path, std::int64_t seq_len, std::string* vocab_out = nullptr);
TrainData text_dataset(const std::string& text, std::int64_t seq_len, const std::string& name,
                       std::string* vocab_out = nullptr);

// builtin:gmm2d, builtin:ring8, builtin:atoms3 (normal), builtin:counts3, builtin:gamma-mix (gamma-poisson),
// builtin:shapes (28x28 grey), builtin:shapes-rgb (32x32 colour), builtin:text (a public-domain paragraph).
std::vector<std::string> builtin_datasets();
TrainData builtin_dataset(const std::string& name, const LawParams& law, std::int64_t seq_len,
                          std::string* vocab_out = nullptr);
// Synthetic images: a filled square, disk, cross or ring per image, random place and size, values 0..255.
TrainData synthetic_shapes(std::int64_t n, std::int64_t channels, std::int64_t size, std::uint64_t seed);

// Maps raw pixel values 0..255 in place for the process (see the top of this file); inverse for display.
void map_pixels(TrainData& data, TrainProcess process);
double unmap_pixel(double value, TrainProcess process);

// Image grid as binary PGM (1 channel) or PPM (3 channels) of rows x cols tiles with a 1-pixel border; samples
// is dim x n in the process's value scale (unmapped and clamped to 0..255). Atomic write.
void write_image_grid(const std::string& path, const Batch& samples, const std::vector<std::int64_t>& event_shape,
                      TrainProcess process, std::int64_t cols);

}  // namespace pmm
