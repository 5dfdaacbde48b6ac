// Networks, TorchScript export/load and the trainer: output shapes and constraints (g > 0, softmax), save/load
// round trip, clear errors for wrong files, and --resume reproducing an uninterrupted CPU run exactly.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <torch/script.h>

#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/networks.hpp>
#include <pmm/models/torch/torchscript_predictor.hpp>
#include <pmm/models/torch/trainer.hpp>
#include <pmm/core/error.hpp>
#include "tests/torch/doctest_after_torch.hpp"

using namespace pmm;
namespace fs = std::filesystem;

namespace {

std::string temp_dir(const std::string& name) {
  const auto p = fs::path(PMM_BINARY_DIR) / "torch_test_tmp" / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

HeadConfig head_for(TrainProcess process, std::vector<std::int64_t> shape, const std::string& param = "x") {
  HeadConfig h;
  h.law.process = process;
  h.law.schedule = exponential_schedule();
  if (process == TrainProcess::kInverseGammaGamma) h.law.beta1 = 3.0;
  if (process == TrainProcess::kCategorical) {
    h.law.vocab = shape.back();
    h.law.schedule = constant_schedule(5.0);
  }
  h.parametrisation = param;
  h.data_mean = process == TrainProcess::kNormal ? 0.0 : 0.5;
  h.data_std = 0.5;
  h.event_shape = std::move(shape);
  return h;
}

torch::Tensor run(torch::jit::Module& m, const torch::Tensor& mu, const torch::Tensor& t) {
  return m.forward({mu, t}).toTensor();
}

NetConfig mlp_net(std::int64_t width, std::int64_t depth) {
  NetConfig n;
  n.width = width;
  n.depth = depth;
  return n;
}
NetConfig unet_net(std::int64_t channels) {
  NetConfig n;
  n.kind = "unet";
  n.channels = channels;
  return n;
}

}  // namespace

TEST_CASE("networks: shapes, positivity, softmax, save/load round trip") {
  const NetConfig mlp = mlp_net(32, 2), unet = unet_net(8);
  NetConfig tr;
  tr.kind = "transformer";
  tr.model_dim = 16;
  tr.heads = 2;
  tr.layers = 1;
  const auto t = torch::tensor({0.0f, 0.3f, 1.0f});
  for (const std::string param : {"x", "eps", "edm"}) {
    auto m = build_predictor(mlp, head_for(TrainProcess::kNormal, {2}, param), 1);
    const auto g = run(m, torch::randn({3, 2}), t);
    CHECK(g.sizes() == c10::IntArrayRef({3, 2}));
    CHECK(torch::isfinite(g).all().item<bool>());
  }
  for (auto proc : {TrainProcess::kGammaPoisson, TrainProcess::kInverseGammaGamma}) {
    auto m = build_predictor(unet, head_for(proc, {1, 8, 8}), 2);
    // Random weights in the output conv so that positivity is tested on a non-trivial output.
    for (auto p : m.parameters()) p.detach().normal_(0, 0.5);
    const auto g = run(m, torch::rand({3, 1, 8, 8}) * 3, t);
    CHECK(g.sizes() == c10::IntArrayRef({3, 1, 8, 8}));
    CHECK((g > 0).all().item<bool>());
  }
  {
    auto m = build_predictor(tr, head_for(TrainProcess::kCategorical, {5, 4}), 3);
    for (auto p : m.parameters()) p.detach().normal_(0, 0.5);
    auto mu = torch::full({3, 5, 4}, 0.25f);
    mu[0][1].zero_();
    mu[0][1][2] = 1.0f;  // a revealed token is kept as is
    const auto g = run(m, mu, t);
    CHECK(g.sizes() == c10::IntArrayRef({3, 5, 4}));
    CHECK(torch::allclose(g.sum(-1), torch::ones({3, 5}), 1e-5, 1e-5));
    CHECK(g[0][1][2].item<float>() == 1.0f);
    CHECK((g[1] != 0.25f).any().item<bool>());
  }
  {
    const auto dir = temp_dir("roundtrip");
    auto m = build_predictor(unet, head_for(TrainProcess::kNormal, {3, 12, 12}, "edm"), 4);
    for (auto p : m.parameters()) p.detach().normal_(0, 0.1);
    m.save(dir + "/m.pt");
    auto back = torch::jit::load(dir + "/m.pt");
    const auto mu = torch::randn({3, 3, 12, 12});
    CHECK(torch::equal(run(m, mu, t), run(back, mu, t)));
    CHECK(module_event_shape(back) == std::vector<std::int64_t>{3, 12, 12});
  }
}

TEST_CASE("networks: a batch of one t (a sampler's call) gives the rows of a batch of mixed t (training's)") {
  // One t: the time embedding runs on one row that broadcasts. The same rows inside a batch whose last row has
  // another t take the per-sample path; both must agree up to float32 rounding, for each head and body.
  const NetConfig mlp = mlp_net(64, 3), unet = unet_net(8);
  struct Case {
    NetConfig net;
    TrainProcess process;
    std::vector<std::int64_t> shape;
    std::string param;
  };
  const Case cases[] = {{mlp, TrainProcess::kNormal, {2}, "x"},
                        {mlp, TrainProcess::kNormal, {3}, "eps"},
                        {mlp, TrainProcess::kNormal, {2}, "edm"},
                        {mlp, TrainProcess::kGammaPoisson, {4}, "x"},
                        {mlp, TrainProcess::kInverseGammaGamma, {2}, "x"},
                        {unet, TrainProcess::kNormal, {1, 8, 8}, "edm"},
                        {unet, TrainProcess::kGammaPoisson, {1, 8, 8}, "x"}};
  torch::manual_seed(5);
  for (const Case& c : cases) {
    auto m = build_predictor(c.net, head_for(c.process, c.shape, c.param), 7);
    for (auto p : m.parameters()) p.detach().normal_(0, 0.3);
    std::vector<std::int64_t> size{9};
    size.insert(size.end(), c.shape.begin(), c.shape.end());
    const auto mu = c.process == TrainProcess::kNormal ? torch::randn(size) : torch::rand(size) * 3;
    for (float tv : {0.0f, 0.37f, 1.0f}) {
      INFO(c.net.kind << " " << train_process_name(c.process) << " " << c.param << " t=" << tv);
      auto t_mixed = torch::full({9}, tv);
      t_mixed[8] = tv < 0.5f ? 0.9f : 0.1f;
      const auto one = run(m, mu.slice(0, 0, 8), torch::full({8}, tv));
      const auto mixed = run(m, mu, t_mixed).slice(0, 0, 8);
      CHECK(one.sizes() == mixed.sizes());
      CHECK(torch::allclose(one, mixed, 1e-4, 1e-5));
      CHECK(!torch::equal(run(m, mu, t_mixed)[8], run(m, mu, torch::full({9}, tv))[8]));  // t does matter
    }
  }
}

TEST_CASE("load_torchscript_predictor: predictions and clear errors") {
  const auto dir = temp_dir("loader");
  auto m = build_predictor(mlp_net(16, 1), head_for(TrainProcess::kNormal, {2}), 1);
  m.save(dir + "/good.pt");
  const auto pred = load_torchscript_predictor(dir + "/good.pt", "cpu", 2);
  CHECK(pred->dim() == 2);
  CHECK_FALSE(pred->concurrent());
  Batch mu = Batch::Random(2, 5), out(2, 5);
  pred->predict(mu, 0.4, 0, out);
  const auto direct = m.forward({torch::from_blob(mu.data(), {5, 2}, torch::kFloat64).to(torch::kFloat32),
                                 torch::full({5}, 0.4f)})
                          .toTensor();
  for (Index j = 0; j < 5; ++j)
    for (Index i = 0; i < 2; ++i) CHECK(out(i, j) == doctest::Approx(direct[j][i].item<float>()).epsilon(1e-6));

  auto message = [&](const std::string& path, const std::string& device, Index dim) {
    try {
      load_torchscript_predictor(path, device, dim);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message(dir + "/missing.pt", "cpu", 2).find("missing.pt: not a loadable TorchScript module") != std::string::npos);
  CHECK(message(dir + "/good.pt", "cpu", 3).find("has 2 coordinates, the target has 3") != std::string::npos);
  CHECK(message(dir + "/good.pt", "tpu", 2).find("--device") != std::string::npos);
  // A user module without event_shape whose output has the wrong shape.
  torch::jit::Module wrong("user_module");
  wrong.define("def forward(self, mu: Tensor, t: Tensor) -> Tensor:\n    return mu[:, :1]\n");
  wrong.save(dir + "/wrong_shape.pt");
  CHECK(message(dir + "/wrong_shape.pt", "cpu", 2).find("returned [2, 1], expected [2, 2]") != std::string::npos);
  CHECK(message(dir + "/wrong_shape.pt", "cpu", 0).find("no event_shape attribute") != std::string::npos);
  torch::jit::Module one_arg("user_module");
  one_arg.define("def forward(self, mu: Tensor) -> Tensor:\n    return mu\n");
  one_arg.save(dir + "/one_arg.pt");
  CHECK(message(dir + "/one_arg.pt", "cpu", 2).find("forward must take (mu: Tensor[B, ...], t: Tensor[B])") !=
        std::string::npos);
  // A correct user module (the documented signature) works without any pmm attribute.
  torch::jit::Module user("user_module");
  user.define("def forward(self, mu: Tensor, t: Tensor) -> Tensor:\n    return 2.0 * mu + t[:, None]\n");
  user.save(dir + "/user.pt");
  const auto up = load_torchscript_predictor(dir + "/user.pt", "cpu", 2);
  up->predict(mu, 0.25, 0, out);
  CHECK(out(1, 3) == doctest::Approx(2 * mu(1, 3) + 0.25).epsilon(1e-6));
}

TEST_CASE("trainer: --resume continues to the same result as an uninterrupted run (CPU)") {
  TrainData data;
  data.x = Batch::Random(2, 300);
  data.event_shape = {2};
  data.name = "random";
  TrainOptions o;
  o.law.schedule = exponential_schedule();
  o.net.width = 16;
  o.net.depth = 2;
  o.batch = 32;
  o.steps = 12;
  o.log_every = 3;
  o.time_sampling = TimeSampling::kLogPrecision;
  o.out = temp_dir("full");
  const auto full = train(o, data);
  CHECK(full.steps == 12);
  o.out = temp_dir("split");
  o.steps = 6;
  train(o, data);
  o.steps = 12;
  o.resume = true;
  const auto resumed = train(o, data);
  CHECK(resumed.start_step == 6);
  auto a = torch::jit::load(full.raw_model_path), b = torch::jit::load(resumed.raw_model_path);
  auto ea = torch::jit::load(full.model_path), eb = torch::jit::load(resumed.model_path);
  auto pa = module_parameters(a), pb = module_parameters(b), qa = module_parameters(ea), qb = module_parameters(eb);
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    CHECK(torch::equal(pa[i], pb[i]));  // bit for bit: all draws are keyed on (seed, step)
    CHECK(torch::equal(qa[i], qb[i]));
  }
  // The loss columns of the two logs agree row for row.
  auto losses = [](const std::string& path) {
    std::ifstream in(path);
    std::string line, out;
    while (std::getline(in, line)) out += line.substr(0, line.find(',', line.find(',') + 1)) + "\n";
    return out;
  };
  CHECK(losses(full.log_path) == losses(resumed.log_path));
  // A different configuration is refused.
  o.lr = 2e-3;
  o.steps = 14;
  CHECK_THROWS_WITH_AS(train(o, data), doctest::Contains("different configuration"), Error);
}

TEST_CASE("torch: OpenBLAS kernels older than the CPU are named, with the core type to set") {
  // The decision: kernels without AVX2 on a CPU with it (an OpenBLAS that predates the CPU model), any case.
  CHECK(pmm::blas_core_advice("Prescott", true, true) == "SkylakeX");
  CHECK(pmm::blas_core_advice("PRESCOTT", true, false) == "Haswell");
  CHECK(pmm::blas_core_advice("Sandybridge", true, false) == "Haswell");
  CHECK(pmm::blas_core_advice("Nehalem", true, true) == "SkylakeX");
  CHECK(pmm::blas_core_advice("Prescott", false, false).empty());  // an old CPU: its kernels fit
  for (const char* fit : {"Haswell", "SkylakeX", "Zen", "CooperLake", "SapphireRapids", ""})
    CHECK(pmm::blas_core_advice(fit, true, true).empty());
  // This process's OpenBLAS (if any): a warning names the core and the variable to set, and none is given once the
  // variable is set (OpenBLAS obeys it at the next start).
  const std::string w = pmm::blas_kernel_warning();
  INFO("this machine: '" << w << "'");
  if (!w.empty()) {
    CHECK(w.rfind("warning: OpenBLAS runs its ", 0) == 0);
    CHECK(w.find("OPENBLAS_CORETYPE=") != std::string::npos);
  }
  setenv("OPENBLAS_CORETYPE", "Haswell", 1);
  CHECK(pmm::blas_kernel_warning().empty());
  unsetenv("OPENBLAS_CORETYPE");
  CHECK(pmm::blas_kernel_warning() == w);
}
