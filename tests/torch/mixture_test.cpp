// Done-when check on the 2-D mixture target builtin:gmm2d (Normal process, exponential schedule): an MLP trained
// on CPU predicts within a stated mean-squared distance of the exact oracle on held-out (mu, t), and its samples
// through the core exact solver recover the mixture weights (0.5, 0.3, 0.2).
#include <filesystem>

#include <torch/script.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/torch/exact_law.hpp>
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/train_data.hpp>
#include <pmm/models/torch/trainer.hpp>
#include <pmm/solvers/registry.hpp>
#include "tests/torch/doctest_after_torch.hpp"

using namespace pmm;
namespace fs = std::filesystem;

TEST_CASE("mixture: CPU-trained MLP matches the oracle and recovers the mixture weights") {
  const auto sched = exponential_schedule();
  const NormalProcess process{2.0, sched};
  const auto oracle = builtin_oracle(process, "gmm2d");
  TrainOptions o;
  o.law.schedule = sched;
  o.time_sampling = TimeSampling::kLogPrecision;
  o.net.width = 128;
  o.net.depth = 3;
  o.batch = 256;
  o.steps = 1500;
  o.lr = 2e-3;
  o.ema = 0.999;
  o.log_every = 100;
  o.out = (fs::path(PMM_BINARY_DIR) / "torch_test_tmp" / "mixture").string();
  fs::remove_all(o.out);
  const TrainData data = builtin_dataset("gmm2d", o.law, 0);
  const auto res = train(o, data);
  const auto net = load_torchscript_predictor(res.model_path, "cpu", 2);

  // Held-out (mu, t): fresh x (another seed), mu from the exact law, t stratified either from the training
  // time law q(t) ~ f/(b + F) (where the loss puts its weight) or uniform on [0, 1].
  const Index n = 4000;
  const Batch x = oracle->sample(n, 99);
  auto mse_at = [&](TimeSampling sampling) {
    std::vector<double> t(static_cast<size_t>(n));
    for (Index j = 0; j < n; ++j)
      t[static_cast<size_t>(j)] =
          draw_time(o.law, sampling, LossWeight::kRate, (static_cast<double>(j) + 0.5) / static_cast<double>(n)).t;
    const auto d = draw_exact_at(o.law, x, t, 5, 0);
    double mse = 0;
    Batch gn(2, 1), go(2, 1);
    for (Index j = 0; j < n; ++j) {
      const Batch mu = d.mu.col(j);
      net->predict(mu, t[static_cast<size_t>(j)], j, gn);
      oracle->predict(mu, t[static_cast<size_t>(j)], j, go);
      mse += (gn - go).square().sum() / static_cast<double>(n);
    }
    return mse;
  };
  const double mse_q = mse_at(TimeSampling::kLogPrecision), mse_u = mse_at(TimeSampling::kUniform);
  const double var = (x.colwise() - x.rowwise().mean()).square().sum() / static_cast<double>(n);
  MESSAGE("gmm2d MLP: " << res.samples_per_s << " samples/s, " << res.seconds << " s, last loss " << res.last_loss
                        << ", MSE to oracle at t ~ q: " << mse_q << ", at t ~ U(0,1): " << mse_u
                        << ", data variance " << var);
  // Stated bound: 0.01, under 0.5% of the data variance (~2.2). Uniform t is reported, not bounded: below
  // t ~ 0.3 the loss weight f(t) ~ 0.05 e^{13 t} is negligible, so the objective itself does not pin g there
  // (those steps also carry almost no precision in sampling).
  CHECK(mse_q < 0.01);

  // Samples through the core exact solver, 200 uniform steps, final denoise; nearest component mean.
  IntegrateOptions io;
  io.grid = make_grid(GridSpec{}, *sched, 200);
  io.denoise = true;
  const Index paths = 4000;
  const auto out = solve(AnyProcess(process), "exact", *net, PhiloxNoise(3), paths, io);
  const double means[3][2] = {{-1.5, 0.0}, {1.0, 1.0}, {1.0, -1.2}}, weights[3] = {0.5, 0.3, 0.2};
  double count[3] = {0, 0, 0};
  for (Index j = 0; j < paths; ++j) {
    int best = 0;
    double bd = 1e300;
    for (int k = 0; k < 3; ++k) {
      const double dd = std::pow(out.final(0, j) - means[k][0], 2) + std::pow(out.final(1, j) - means[k][1], 2);
      if (dd < bd) bd = dd, best = k;
    }
    count[best] += 1.0 / paths;
  }
  MESSAGE("weights recovered: " << count[0] << " " << count[1] << " " << count[2]);
  for (int k = 0; k < 3; ++k) CHECK(std::abs(count[k] - weights[k]) < 0.04);  // SE <= 0.008; 5 SE
}
