// The CFD feature classifier (classifier.hpp): TorchScript source compiled in C++, as the PMM networks are, so the
// module trained is the file exported. conv3x3(c) -> relu -> maxpool2 -> conv3x3(2c) -> relu -> maxpool2 ->
// conv3x3(4c) -> relu -> flatten -> linear(F) -> relu = features; linear(K) = logits.
#include <pmm/models/torch/classifier.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <torch/csrc/jit/python/update_graph_executor_opt.h>
#include <torch/cuda.h>
#include <torch/optim/adam.h>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

void conv_param(torch::jit::Module& m, const std::string& name, std::int64_t in, std::int64_t out) {
  // He-uniform weights (ReLU follows), zero bias.
  const double bound = std::sqrt(6.0 / static_cast<double>(in * 9));
  m.register_parameter(name + "_w", (torch::rand({out, in, 3, 3}) * 2 - 1) * bound, false);
  m.register_parameter(name + "_b", torch::zeros({out}), false);
}

void linear_param(torch::jit::Module& m, const std::string& name, std::int64_t in, std::int64_t out, double gain) {
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(in));
  m.register_parameter(name + "_w", (torch::rand({out, in}) * 2 - 1) * bound, false);
  m.register_parameter(name + "_b", torch::zeros({out}), false);
}

std::vector<torch::Tensor> parameters_of(const torch::jit::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.parameters()) out.push_back(p);
  return out;
}

}  // namespace

void ClassifierConfig::validate() const {
  require(channels >= 1 && channels <= 512, "--channels", fmt::format("must be in [1, 512], got {}", channels));
  require(features >= 2 && features <= 4096, "--features", fmt::format("must be in [2, 4096], got {}", features));
  require(classes >= 2, "--classes", fmt::format("must be >= 2, got {}", classes));
  require(height >= 4 && width >= 4 && height % 4 == 0 && width % 4 == 0, "--image-shape",
          fmt::format("height and width must be multiples of 4, got {}x{}", height, width));
  require(std::isfinite(pixel_mean) && std::isfinite(pixel_std) && pixel_std > 0, "--data",
          "pixel standard deviation must be > 0 (constant images?)");
}

void ClassifierTrainOptions::validate() const {
  require(steps >= 1, "--steps", fmt::format("must be >= 1, got {}", steps));
  require(batch >= 1, "--batch", fmt::format("must be >= 1, got {}", batch));
  require(std::isfinite(lr) && lr > 0, "--lr", "must be > 0");
}

std::string classifier_source(const ClassifierConfig& c) {
  return fmt::format(R"(
def features(self, images: Tensor) -> Tensor:
    x = images.float()
    if x.size(1) != 1:
        x = x.mean([1], True)
    if x.size(2) != {H} or x.size(3) != {W}:
        x = torch.adaptive_avg_pool2d(x, [{H}, {W}])
    x = (x - self.pixel_mean) / self.pixel_std
    h = torch.relu(torch.conv2d(x, self.c1_w, self.c1_b, [1, 1], [1, 1]))
    h = torch.max_pool2d(h, [2, 2], [2, 2])
    h = torch.relu(torch.conv2d(h, self.c2_w, self.c2_b, [1, 1], [1, 1]))
    h = torch.max_pool2d(h, [2, 2], [2, 2])
    h = torch.relu(torch.conv2d(h, self.c3_w, self.c3_b, [1, 1], [1, 1]))
    h = h.reshape([h.size(0), -1])
    return torch.relu(torch.matmul(h, self.f_w.t()) + self.f_b)

def forward(self, images: Tensor, return_features: bool = False) -> Tensor:
    f = self.features(images)
    if return_features:
        return f
    return torch.matmul(f, self.out_w.t()) + self.out_b
)",
                     fmt::arg("H", c.height), fmt::arg("W", c.width));
}

torch::jit::Module build_classifier(const ClassifierConfig& c, std::uint64_t seed) {
  c.validate();
  torch::manual_seed(seed);
  torch::jit::Module m("pmm_classifier");
  conv_param(m, "c1", 1, c.channels);
  conv_param(m, "c2", c.channels, 2 * c.channels);
  conv_param(m, "c3", 2 * c.channels, 4 * c.channels);
  linear_param(m, "f", 4 * c.channels * (c.height / 4) * (c.width / 4), c.features, std::sqrt(2.0));
  linear_param(m, "out", c.features, c.classes, 1.0);
  m.register_attribute("pixel_mean", c10::FloatType::get(), c.pixel_mean, false);
  m.register_attribute("pixel_std", c10::FloatType::get(), c.pixel_std, false);
  m.register_attribute("image_shape", c10::ListType::ofInts(),
                       c10::List<std::int64_t>(std::vector<std::int64_t>{1, c.height, c.width}), false);
  m.register_attribute("classes", c10::IntType::get(), c.classes, false);
  m.register_attribute("feature_dim", c10::IntType::get(), c.features, false);
  m.register_attribute("kind", c10::StringType::get(), std::string("pmm-cfd-classifier"), false);
  try {
    m.define(classifier_source(c));
  } catch (const std::exception& e) {
    throw Error(std::string("build_classifier: TorchScript compilation failed (a bug): ") + e.what());
  }
  return m;
}

void check_labelled_images(const torch::Tensor& images, const torch::Tensor& labels, std::int64_t classes,
                           const std::string& what) {
  require(images.dim() == 4 && (images.size(1) == 1 || images.size(1) == 3), what,
          fmt::format("images must be [N, C, H, W] with C = 1 or 3, got {} dimensions", images.dim()));
  require(labels.dim() == 1 && labels.size(0) == images.size(0), what,
          fmt::format("{} images but {} labels", images.size(0), labels.dim() == 1 ? labels.size(0) : -1));
  require(images.size(0) >= 1, what, "no images");
  const auto lo = labels.min().item<std::int64_t>(), hi = labels.max().item<std::int64_t>();
  require(lo >= 0 && hi < classes, what, fmt::format("labels must be in [0, {}], found {}..{}", classes - 1, lo, hi));
  const auto pmin = images.min().item<double>(), pmax = images.max().item<double>();
  require(pmin >= 0 && pmax <= 255, what, fmt::format("pixel values must be in 0..255, found {}..{}", pmin, pmax));
}

ClassifierTrainResult train_classifier(torch::jit::Module& module, const torch::Tensor& images,
                                       const torch::Tensor& labels, const ClassifierTrainOptions& o,
                                       const std::function<void(const ClassifierProgress&)>& on_step) {
  o.validate();
  const torch::Device device(o.device);
  require(device.is_cpu() || torch::cuda::is_available(), "--device",
          "cuda requested but LibTorch sees no CUDA device (CPU-only build or no GPU)");
  const std::int64_t n = images.size(0), B = std::min(o.batch, images.size(0));
  // As in the PMM trainer: the optimising graph executor changes kernels after its profiling runs, so the same seed
  // would not give the same weights when the module had been called before training (tested).
  torch::jit::setGraphExecutorOptimize(false);
  module.to(device);
  module.train();
  auto params = parameters_of(module);
  for (auto& p : params) p.requires_grad_(true);
  torch::optim::Adam opt(params, torch::optim::AdamOptions(o.lr));
  torch::jit::Method forward = module.get_method("forward");

  std::mt19937_64 rng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<std::int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::int64_t pos = n;  // forces a shuffle at the first step
  std::vector<std::int64_t> idx(static_cast<size_t>(B));
  std::vector<double> losses;
  losses.reserve(static_cast<size_t>(o.steps));
  const auto t0 = std::chrono::steady_clock::now();
  for (std::int64_t step = 0; step < o.steps; ++step) {
    for (std::int64_t j = 0; j < B; ++j) {
      if (pos == n) std::shuffle(order.begin(), order.end(), rng), pos = 0;
      idx[static_cast<size_t>(j)] = order[static_cast<size_t>(pos++)];
    }
    const auto index = torch::from_blob(idx.data(), {B}, torch::kLong);
    const auto xb = images.index_select(0, index).to(torch::kFloat32).to(device);
    const auto yb = labels.index_select(0, index).to(device);
    const double lr = 0.5 * o.lr * (1 + std::cos(M_PI * static_cast<double>(step) / static_cast<double>(o.steps)));
    for (auto& group : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    opt.zero_grad();
    const auto logits = forward({xb}).toTensor();
    const auto loss = torch::nll_loss(torch::log_softmax(logits, 1), yb);
    loss.backward();
    opt.step();
    const double lv = loss.item<double>();
    require(std::isfinite(lv), "training", fmt::format("loss is {} at step {} (try a smaller --lr)", lv, step + 1));
    losses.push_back(lv);
    if (on_step) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      on_step({step + 1, o.steps, lv, static_cast<double>((step + 1) * B) / std::max(s, 1e-9)});
    }
  }
  module.eval();
  for (auto& p : params) p.requires_grad_(false);
  ClassifierTrainResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.samples_per_s = static_cast<double>(o.steps * B) / std::max(r.seconds, 1e-9);
  const size_t w = std::min<size_t>(50, losses.size());
  r.first_loss = std::accumulate(losses.begin(), losses.begin() + static_cast<long>(w), 0.0) / static_cast<double>(w);
  r.last_loss = std::accumulate(losses.end() - static_cast<long>(w), losses.end(), 0.0) / static_cast<double>(w);
  return r;
}

torch::Tensor classifier_predict(torch::jit::Module& module, const torch::Tensor& images, const std::string& device) {
  torch::NoGradGuard no_grad;
  const torch::Device dev(device);
  module.to(dev);
  std::vector<torch::Tensor> out;
  for (std::int64_t i = 0; i < images.size(0); i += 500) {
    const auto xb = images.slice(0, i, std::min(images.size(0), i + 500)).to(torch::kFloat32).to(dev);
    out.push_back(module.forward({xb}).toTensor().argmax(1).to(torch::kCPU));
  }
  return torch::cat(out);
}

double classifier_accuracy(torch::jit::Module& module, const torch::Tensor& images, const torch::Tensor& labels,
                           const std::string& device) {
  const auto pred = classifier_predict(module, images, device);
  return pred.eq(labels.to(torch::kLong)).to(torch::kFloat64).mean().item<double>();
}

}  // namespace pmm
