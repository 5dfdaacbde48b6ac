// FID features through TorchScript: images (C H W x n doubles, 0..255) -> float32 [B, 3, H, W] on the module's device
// -> forward(x, return_features=True) -> [B, F] -> F x n doubles. The module and its keyword are checked once at load.
#include <pmm/models/torch/feature_extractor.hpp>

#include <cmath>
#include <regex>

#include <fmt/format.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <pmm/core/error.hpp>
#include <pmm/io/fingerprint.hpp>

namespace pmm {

ImageShape parse_image_shape(const std::string& text, const std::string& option) {
  static const std::regex re(R"(\s*(\d+)\s*x\s*(\d+)\s*x\s*(\d+)\s*)");
  std::smatch m;
  require(std::regex_match(text, m, re), option, "expected CxHxW such as 3x32x32, got '" + text + "'");
  ImageShape s{std::stoll(m[1]), std::stoll(m[2]), std::stoll(m[3])};
  require(s.channels == 1 || s.channels == 3, option, fmt::format("channels must be 1 or 3, got {}", s.channels));
  require(s.height >= 1 && s.width >= 1 && s.height <= 4096 && s.width <= 4096, option, "height and width must be in [1, 4096]");
  return s;
}

Batch to_pixels(const Batch& samples, double lo, double hi) {
  require(std::isfinite(lo) && std::isfinite(hi) && hi > lo, "pixel range", "needs finite lo < hi");
  return ((samples - lo) * (255.0 / (hi - lo))).round().max(0.0).min(255.0);
}

struct FeatureExtractor::Impl {
  mutable torch::jit::Module module;
  torch::Device device{torch::kCPU};
  bool keyword = false;
  Index batch = 64, dim = 0;
  std::string id, path;

  torch::Tensor run(const torch::Tensor& x) const {
    std::vector<torch::jit::IValue> args{x};
    std::unordered_map<std::string, torch::jit::IValue> kwargs;
    if (keyword) kwargs.emplace("return_features", true);
    try {
      auto out = module.get_method("forward")(args, kwargs);
      require(out.isTensor(), path, "forward must return a tensor of features [N, F]");
      return out.toTensor();
    } catch (const c10::Error& e) {
      const std::string what = e.what();
      throw Error(path + ": forward(images [" + std::to_string(x.size(0)) + ", 3, " + std::to_string(x.size(2)) + ", " +
                  std::to_string(x.size(3)) + "]) failed: " + what.substr(0, what.find('\n')));
    }
  }
};

FeatureExtractor::FeatureExtractor(const std::string& path, const std::string& device, Index batch)
    : impl_(std::make_unique<Impl>()) {
  require(batch >= 1, "batch", "must be >= 1");
  impl_->path = path;
  impl_->batch = batch;
  impl_->id = file_fingerprint(path);
  try {
    impl_->device = torch::Device(device);
  } catch (const c10::Error&) {
    throw Error("--device: expected cpu or cuda[:N], got '" + device + "'");
  }
  require(!impl_->device.is_cuda() || torch::cuda::is_available(), "--device",
          "cuda requested but LibTorch sees no CUDA device");
  try {
    impl_->module = torch::jit::load(path, impl_->device);
  } catch (const c10::Error& e) {
    const std::string what = e.what();
    throw Error(path + ": not a loadable TorchScript file: " + what.substr(0, what.find('\n')));
  }
  impl_->module.eval();
  for (const auto& arg : impl_->module.get_method("forward").function().getSchema().arguments())
    if (arg.name() == "return_features") impl_->keyword = true;
  torch::NoGradGuard no_grad;
  const auto trial = impl_->run(torch::zeros({2, 3, 64, 64}, torch::TensorOptions().device(impl_->device)));
  require(trial.dim() == 2 && trial.size(0) == 2, path,
          fmt::format("forward must return features [N, F]; got {} dimensions for N = 2", trial.dim()));
  impl_->dim = trial.size(1);
}

FeatureExtractor::~FeatureExtractor() = default;

Batch FeatureExtractor::features(const Batch& images, const ImageShape& s) const {
  const Index per = s.channels * s.height * s.width;
  require(images.rows() == per, "images", fmt::format("have {} values each, the shape {}x{}x{} needs {}", images.rows(),
                                                      s.channels, s.height, s.width, per));
  torch::NoGradGuard no_grad;
  Batch out(impl_->dim, images.cols());
  for (Index j0 = 0; j0 < images.cols(); j0 += impl_->batch) {
    const Index n = std::min(impl_->batch, images.cols() - j0);
    auto x = torch::from_blob(const_cast<double*>(images.col(j0).data()), {n, s.channels, s.height, s.width},
                              torch::kFloat64)
                 .to(torch::kFloat32);
    if (s.channels == 1) x = x.repeat({1, 3, 1, 1});
    const auto f = impl_->run(x.to(impl_->device)).to(torch::kCPU).to(torch::kFloat64).contiguous();
    require(f.dim() == 2 && f.size(0) == n && f.size(1) == impl_->dim, impl_->path, "feature shape changed between batches");
    std::copy(f.data_ptr<double>(), f.data_ptr<double>() + n * impl_->dim, out.col(j0).data());
  }
  return out;
}

Index FeatureExtractor::feature_dim() const { return impl_->dim; }

const std::string& FeatureExtractor::model_id() const { return impl_->id; }

}  // namespace pmm
