// TorchScript feature network for FID (the inception-2015-12-05.pt of clean-fid and StyleGAN2-ADA, or any stand-in
// with the same call): features = module.forward(images [N, 3, H, W] float32 in 0..255, return_features=True), [N, F].
// This header is free of LibTorch types, so apps compiled without <torch/...> can use it under PMM_HAVE_TORCH.
#pragma once
#include <memory>
#include <string>

#include <pmm/core/batch.hpp>

namespace pmm {

struct ImageShape {
  Index channels = 3, height = 32, width = 32;
};
// "3x32x32" or "1x28x28" (C in {1, 3}); throws pmm::Error naming option.
ImageShape parse_image_shape(const std::string& text, const std::string& option = "--image-shape");
// Samples (dim x n) in [lo, hi] to pixel values round(255 (x - lo)/(hi - lo)) clipped to 0..255, as images are
// quantised to uint8 before Inception features in edm's and clean-fid's pipelines.
Batch to_pixels(const Batch& samples, double lo, double hi);

class FeatureExtractor {
 public:
  // Loads the module (pmm::Error naming path on failure), moves it to device ("cpu", "cuda", "cuda:N"), and runs a
  // trial batch of 2 images of 3 x 64 x 64 to learn the feature dimension. The return_features keyword is passed
  // when forward's schema has it; otherwise forward(images) is called.
  explicit FeatureExtractor(const std::string& path, const std::string& device = "cpu", Index batch = 64);
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  // images: C H W x n, each column one image in C, H, W order (row-major within a channel), pixel values 0..255;
  // one channel is repeated to three. Returns feature_dim x n (double). Runs in batches of `batch`.
  Batch features(const Batch& images, const ImageShape& shape) const;
  Index feature_dim() const;
  // file_fingerprint of the module file: the name recorded with every FID.
  const std::string& model_id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pmm
