// The CFD feature classifier (models/torch/classifier.hpp): its file is usable unchanged by the FID feature path
// (FeatureExtractor: [N, 3, 64, 64] trial batch, return_features keyword, grey repeated to 3 channels), it learns a
// toy 3-class image task, training is reproducible from its seed, and bad inputs are pmm::Errors naming the option.
#include <cmath>
#include <filesystem>
#include <string>

#include <torch/script.h>

#include <pmm/models/torch/classifier.hpp>
#include <pmm/models/torch/feature_extractor.hpp>
#include <pmm/core/error.hpp>
#include "tests/torch/doctest_after_torch.hpp"

using namespace pmm;
namespace fs = std::filesystem;

namespace {

// n grey 28x28 images in 0..255: class k has a bright 8x8 square at corner k (top-left, top-right, bottom-centre)
// of uniform noise 60..180 on uniform noise 0..100 (overlapping ranges); positions jitter by up to 3 pixels.
void toy_images(std::int64_t n, std::uint64_t seed, torch::Tensor* images, torch::Tensor* labels) {
  torch::manual_seed(seed);
  *images = torch::rand({n, 1, 28, 28}) * 100;
  *labels = torch::randint(0, 3, {n}, torch::kLong);
  const auto jitter = torch::randint(0, 4, {n, 2}, torch::kLong);
  const int corner_y[3] = {2, 2, 16}, corner_x[3] = {2, 16, 10};
  for (std::int64_t i = 0; i < n; ++i) {
    const auto k = (*labels)[i].item<std::int64_t>();
    const auto y = corner_y[k] + jitter[i][0].item<std::int64_t>(), x = corner_x[k] + jitter[i][1].item<std::int64_t>();
    (*images)[i][0].slice(0, y, y + 8).slice(1, x, x + 8).copy_(60 + torch::rand({8, 8}) * 120);
  }
}

ClassifierConfig small_config() {
  ClassifierConfig c;
  c.channels = 4;
  c.features = 8;
  c.classes = 3;
  c.pixel_mean = 60;
  c.pixel_std = 50;
  return c;
}

}  // namespace

TEST_CASE("classifier: the saved file has the FID feature call and averages colour to grey") {
  auto m = build_classifier(small_config(), 1);
  const auto dir = fs::temp_directory_path() / "pmm_classifier_test";
  fs::create_directories(dir);
  const std::string path = (dir / "cls.pt").string();
  m.save(path);

  torch::Tensor images, labels;
  toy_images(5, 3, &images, &labels);
  {
    torch::NoGradGuard no_grad;
    const auto logits = m.forward({images}).toTensor();
    CHECK(logits.sizes() == torch::IntArrayRef({5, 3}));
    const auto f1 = m.get_method("forward")({images}, {{"return_features", true}}).toTensor();
    CHECK(f1.sizes() == torch::IntArrayRef({5, 8}));
    // Three equal channels average to the grey image: identical features (to float rounding, 1e-5 relative).
    const auto f3 = m.get_method("forward")({images.repeat({1, 3, 1, 1})}, {{"return_features", true}}).toTensor();
    CHECK((f1 - f3).abs().max().item<double>() <= 1e-5 * (1 + f1.abs().max().item<double>()));
    // Another size is pooled to 28x28: 56x56 made of 2x2 copies of each pixel gives the same features.
    const auto big = images.repeat_interleave(2, 2).repeat_interleave(2, 3);
    const auto f2 = m.get_method("forward")({big}, {{"return_features", true}}).toTensor();
    CHECK((f1 - f2).abs().max().item<double>() <= 1e-4 * (1 + f1.abs().max().item<double>()));

    // Through FeatureExtractor (the pmm-sweep --metric fid path): same features from C H W x n columns.
    const FeatureExtractor fe(path, "cpu", 2);
    CHECK(fe.feature_dim() == 8);
    const auto flat = images.reshape({5, 784}).to(torch::kFloat64).contiguous();
    const Batch cols = Eigen::Map<const Batch>(flat.data_ptr<double>(), 784, 5);
    const Batch f = fe.features(cols, ImageShape{1, 28, 28});
    double worst = 0;
    for (int j = 0; j < 5; ++j)
      for (int i = 0; i < 8; ++i) worst = std::max(worst, std::abs(f(i, j) - f1[j][i].item<double>()));
    CHECK(worst <= 1e-4 * (1 + f1.abs().max().item<double>()));
  }
  fs::remove_all(dir);
}

TEST_CASE("classifier: learns a toy 3-class task and training repeats from its seed") {
  torch::Tensor train_x, train_y, test_x, test_y;
  toy_images(600, 11, &train_x, &train_y);
  toy_images(300, 12, &test_x, &test_y);
  ClassifierTrainOptions o;
  o.steps = 120;
  o.batch = 32;
  o.lr = 3e-3;
  o.seed = 5;
  auto m = build_classifier(small_config(), o.seed);
  const double before = classifier_accuracy(m, test_x, test_y);
  const auto r = train_classifier(m, train_x, train_y, o);
  const double after = classifier_accuracy(m, test_x, test_y);
  MESSAGE("toy accuracy before ", before, " after ", after, "; loss ", r.first_loss, " -> ", r.last_loss);
  // Chance is 1/3; a square is 70 grey levels brighter than the background on average over 64 pixels, so a working
  // CNN separates the classes almost perfectly in 120 steps (see MESSAGE); 0.9 leaves room for other roundings.
  CHECK(after >= 0.9);
  CHECK(r.last_loss < 0.5 * r.first_loss);

  // Same seed, same data: the same weights bit for bit on CPU (the order of batches is a seeded permutation).
  auto m2 = build_classifier(small_config(), o.seed);
  train_classifier(m2, train_x, train_y, o);
  torch::NoGradGuard no_grad;
  const auto a = m.forward({test_x.slice(0, 0, 20)}).toTensor(), b = m2.forward({test_x.slice(0, 0, 20)}).toTensor();
  CHECK(torch::equal(a, b));
}

TEST_CASE("classifier: bad inputs are errors naming the option") {
  torch::Tensor x, y;
  toy_images(10, 1, &x, &y);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message([&] { check_labelled_images(x, y + 3, 3, "--train-images"); }).find("--train-images") == 0);
  CHECK(message([&] { check_labelled_images(x, y.slice(0, 0, 9), 3, "--test-images"); }).find("9 labels") !=
        std::string::npos);
  CHECK(message([&] { check_labelled_images(x * 3, y, 3, "--train-images"); }).find("0..255") != std::string::npos);
  CHECK(message([&] { check_labelled_images(x.squeeze(1), y, 3, "--train-images"); }).find("[N, C, H, W]") !=
        std::string::npos);
  auto c = small_config();
  c.height = 30;
  CHECK(message([&] { build_classifier(c, 0); }).find("--image-shape") == 0);
  ClassifierTrainOptions o;
  o.lr = -1;
  CHECK(message([&] { o.validate(); }).find("--lr") == 0);
}
