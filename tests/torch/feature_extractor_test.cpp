// FID features through TorchScript with stand-in networks (no Inception weights ship with the machine): a module with
// forward(x, return_features: bool = False) like inception-2015-12-05.pt, one without the keyword, a broken file;
// features of known images, 1-channel images repeated to 3, batching, and an FID of two image sets with its
// provenance (sample counts, the network's fingerprint).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <torch/script.h>

#include <pmm/models/torch/feature_extractor.hpp>
#include <pmm/core/error.hpp>
#include "validation/fid.hpp"
#include "tests/torch/doctest_after_torch.hpp"

namespace {

namespace fs = std::filesystem;

// Features = per-channel mean and max of the image, over [N, 3, H, W]: 6 numbers, easy to predict.
std::string save_stand_in(const std::string& name, bool keyword) {
  torch::jit::Module m("StandInInception");
  if (keyword)
    m.define(R"(
def forward(self, x, return_features: bool = False):
    f = torch.cat([x.mean([2, 3]), x.amax([2, 3])], 1)
    if return_features:
        return f
    return f.sum(1, keepdim=True)
)");
  else
    m.define(R"(
def forward(self, x):
    return torch.cat([x.mean([2, 3]), x.amax([2, 3])], 1)
)");
  const std::string path = (fs::temp_directory_path() / name).string();
  m.save(path);
  return path;
}

// n images of 3 x 4 x 5 (C, H, W order per column): pixel (c, h, w) of image j = (7 j + 3 c + h + 2 w) mod 256.
pmm::Batch images(pmm::Index n, pmm::Index channels) {
  pmm::Batch x(channels * 4 * 5, n);
  for (pmm::Index j = 0; j < n; ++j)
    for (pmm::Index c = 0; c < channels; ++c)
      for (pmm::Index h = 0; h < 4; ++h)
        for (pmm::Index w = 0; w < 5; ++w) x((c * 4 + h) * 5 + w, j) = static_cast<double>((7 * j + 3 * c + h + 2 * w) % 256);
  return x;
}

}  // namespace

TEST_CASE("feature extractor: stand-in TorchScript networks give the expected features") {
  const std::string with_kw = save_stand_in("pmm_standin_kw.pt", true);
  const std::string without_kw = save_stand_in("pmm_standin_plain.pt", false);
  for (const auto& path : {with_kw, without_kw}) {
    const pmm::FeatureExtractor fe(path, "cpu", 3);  // batches of 3: 7 images take 3 calls
    CHECK(fe.feature_dim() == 6);
    CHECK(fe.model_id() == pmm::file_fingerprint(path));
    const pmm::Batch x = images(7, 3);
    const pmm::Batch f = fe.features(x, pmm::ImageShape{3, 4, 5});
    REQUIRE(f.rows() == 6);
    REQUIRE(f.cols() == 7);
    for (pmm::Index j = 0; j < 7; ++j)
      for (pmm::Index c = 0; c < 3; ++c) {
        const auto block = x.col(j).segment(c * 20, 20);
        // float32 inside the network: exact for these small integers' means and maxima to 1e-4.
        CHECK(std::abs(f(c, j) - block.mean()) < 1e-4);
        CHECK(f(3 + c, j) == block.maxCoeff());
      }
    // One channel is repeated to three.
    const pmm::Batch g = fe.features(images(2, 1), pmm::ImageShape{1, 4, 5});
    CHECK(std::abs(g(0, 1) - g(1, 1)) < 1e-6);
    CHECK(std::abs(g(0, 1) - g(2, 1)) < 1e-6);
  }
  // An FID between two image sets through the stand-in carries both sample counts and the network's name.
  const pmm::FeatureExtractor fe(with_kw);
  const auto a = pmm::fid_statistics(fe.features(images(40, 3), {3, 4, 5}), fe.model_id());
  const auto b = pmm::fid_statistics(fe.features(images(60, 3).array() * 0.5, {3, 4, 5}), fe.model_id());
  const auto r = pmm::frechet_inception_distance(a, b);
  CHECK(r.fid > 1.0);
  CHECK(r.n_generated == 40);
  CHECK(r.n_reference == 60);
  CHECK(r.feature_model == fe.model_id());
  CHECK(pmm::frechet_inception_distance(a, a).fid < 1e-6);
  // Pixel conversion: [-1, 1] -> 0..255, rounded and clipped.
  pmm::Batch s(1, 4);
  s << -1.0, 0.0, 1.0, 3.0;
  const pmm::Batch p = pmm::to_pixels(s, -1, 1);
  CHECK(p(0, 0) == 0.0);
  CHECK(p(0, 1) == 128.0);  // 127.5 rounds away from zero
  CHECK(p(0, 2) == 255.0);
  CHECK(p(0, 3) == 255.0);
  std::remove(with_kw.c_str());
  std::remove(without_kw.c_str());
}

TEST_CASE("feature extractor: bad files, shapes and options are pmm::Error naming them") {
  const std::string junk = (fs::temp_directory_path() / "pmm_not_torchscript.pt").string();
  {
    std::FILE* f = std::fopen(junk.c_str(), "w");
    std::fputs("not a zip", f);
    std::fclose(f);
  }
  try {
    pmm::FeatureExtractor fe(junk);
    FAIL("a junk file loaded");
  } catch (const pmm::Error& e) {
    CHECK(std::string(e.what()).find(junk + ": not a loadable TorchScript file") == 0);
  }
  std::remove(junk.c_str());
  CHECK_THROWS_AS(pmm::FeatureExtractor("/nonexistent/net.pt"), pmm::Error);
  const std::string path = save_stand_in("pmm_standin_kw2.pt", true);
  const pmm::FeatureExtractor fe(path);
  CHECK_THROWS_AS(fe.features(images(2, 3), pmm::ImageShape{3, 8, 8}), pmm::Error);
  CHECK_THROWS_AS(pmm::FeatureExtractor(path, "tpu"), pmm::Error);
  CHECK_THROWS_AS(pmm::parse_image_shape("3x32"), pmm::Error);
  CHECK_THROWS_AS(pmm::parse_image_shape("2x32x32"), pmm::Error);
  CHECK(pmm::parse_image_shape("1x28x28").height == 28);
  std::remove(path.c_str());
}
