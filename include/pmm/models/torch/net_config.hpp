// Network size options shared by the trainer and the apps (torch-free): which body (MLP for vectors, U-Net for
// [C, H, W] images with H, W divisible by 4, adaptive-layer-norm transformer for [L, V] token sequences) and its size.
#pragma once
#include <cstdint>
#include <string>

namespace pmm {

struct NetConfig {
  std::string kind = "mlp";      // mlp | unet | transformer
  std::int64_t width = 256;      // mlp hidden width
  std::int64_t depth = 3;        // mlp hidden layers
  std::int64_t channels = 32;    // unet base channels (multiple of 8)
  std::int64_t model_dim = 128;  // transformer width
  std::int64_t layers = 4;       // transformer blocks
  std::int64_t heads = 4;        // transformer attention heads
  void validate() const;         // throws pmm::Error naming the option
};

}  // namespace pmm
