// PMM losses with exact-law draws: (1) with an oracle target the Monte Carlo loss at the oracle is below the loss
// at perturbed predictors on the same draws (common random numbers), for every process; (2) the Monte Carlo
// estimate mean_j w_j loss_j is unbiased: it matches a direct quadrature of int w(t) E[loss] dt within 4 SE.
#include <cmath>
#include <functional>
#include <string>

#include <torch/types.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/torch/exact_law.hpp>
#include <pmm/models/torch/losses.hpp>
#include "tests/torch/doctest_after_torch.hpp"

using namespace pmm;

namespace {

torch::Tensor to_tensor(const Batch& b) {  // dim x n  ->  [n, dim] float64
  return torch::from_blob(const_cast<double*>(b.data()), {b.cols(), b.rows()}, torch::kFloat64).clone();
}
torch::Tensor to_tensor(const std::vector<double>& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {static_cast<std::int64_t>(v.size())}, torch::kFloat64).clone();
}

// Oracle predictions at each column's own time.
Batch oracle_at(const Predictor& oracle, const Batch& mu, const std::vector<double>& t) {
  Batch out(mu.rows(), mu.cols()), g;
  for (Index j = 0; j < mu.cols(); ++j) {
    g.resize(mu.rows(), 1);
    oracle.predict(mu.col(j), t[static_cast<size_t>(j)], j, g);
    out.col(j) = g.col(0);
  }
  return out;
}

struct MeanSe {
  double mean, se;
};
MeanSe mean_se(const torch::Tensor& v) {
  return {v.mean().item<double>(), v.std().item<double>() / std::sqrt(static_cast<double>(v.size(0)))};
}

void check_oracle_is_minimal(const LawParams& law, const Predictor& oracle, const Batch& x,
                             const std::vector<std::function<torch::Tensor(const torch::Tensor&)>>& perturb) {
  const auto d = draw_exact(law, TimeSampling::kLogPrecision, LossWeight::kRate, x, 7, 0);
  const auto g = to_tensor(oracle_at(oracle, d.mu, d.t));
  const auto xt = to_tensor(x), w = to_tensor(d.weight);
  const auto base = w * per_sample_loss(law.process, g, xt);
  for (size_t k = 0; k < perturb.size(); ++k) {
    const auto diff = w * per_sample_loss(law.process, perturb[k](g), xt) - base;
    const auto s = mean_se(diff);
    INFO("perturbation " << k << ": loss(perturbed) - loss(oracle) = " << s.mean << " +- " << s.se);
    CHECK(s.mean > 3 * s.se);  // the excess is a positive divergence, resolved above 3 SE by construction
  }
}

}  // namespace

TEST_CASE("losses: the oracle has the smallest loss (normal, gamma-poisson)") {
  const auto sched = exponential_schedule();
  {
    NormalProcess p{2.0, sched};
    const auto oracle = builtin_oracle(p, "gmm2d");
    LawParams law;
    law.process = TrainProcess::kNormal;
    law.schedule = sched;
    check_oracle_is_minimal(law, *oracle, oracle->sample(20000, 3),
                            {[](const torch::Tensor& g) { return g + 0.05; },
                             [](const torch::Tensor& g) { return g * 1.05; },
                             [](const torch::Tensor& g) { return g + 0.1 * torch::sin(3 * g); }});
  }
  {
    GammaPoissonProcess p{0.1, 2.0, sched};
    const auto oracle = builtin_oracle(p, "gamma-mix");
    LawParams law;
    law.process = TrainProcess::kGammaPoisson;
    law.schedule = sched;
    check_oracle_is_minimal(law, *oracle, oracle->sample(20000, 3),
                            {[](const torch::Tensor& g) { return g * 1.05; },
                             [](const torch::Tensor& g) { return g * 0.95; },
                             [](const torch::Tensor& g) { return g + 0.2; }});
  }
}

TEST_CASE("losses: the oracle has the smallest loss (inverse-gamma-gamma, categorical)") {
  // Inverse-Gamma-Gamma, 1-D target on atoms {0.5, 1.5, 4} (weights .3 .4 .3): Y | x ~ Gamma(F, scale x),
  // posterior weights r_i ~ w_i x_i^-F exp(-Y/x_i), Y = mu (beta1 + F - 1) - beta2.
  {
    LawParams law;
    law.process = TrainProcess::kInverseGammaGamma;
    law.beta1 = 3.0;
    law.beta2 = 2.0;
    law.schedule = constant_schedule(30.0);
    const double atoms[3] = {0.5, 1.5, 4.0}, weights[3] = {0.3, 0.4, 0.3};
    const Index n = 20000;
    Batch x(1, n);
    for (Index j = 0; j < n; ++j) x(0, j) = atoms[(j * 7) % 10 < 3 ? 0 : ((j * 7) % 10 < 7 ? 1 : 2)];
    const auto d = draw_exact(law, TimeSampling::kUniform, LossWeight::kRate, x, 11, 0);
    Batch g(1, n);
    for (Index j = 0; j < n; ++j) {
      const double F = law.schedule->F(d.t[static_cast<size_t>(j)]);
      const double Y = d.mu(0, j) * (law.beta1 + F - 1) - law.beta2;
      double lw[3], m = -1e300, num = 0, den = 0;
      for (int i = 0; i < 3; ++i) m = std::max(m, lw[i] = std::log(weights[i]) - F * std::log(atoms[i]) - Y / atoms[i]);
      for (int i = 0; i < 3; ++i) num += atoms[i] * std::exp(lw[i] - m), den += std::exp(lw[i] - m);
      g(0, j) = num / den;
    }
    const auto gt = to_tensor(g), xt = to_tensor(x), w = to_tensor(d.weight);
    const auto base = w * per_sample_loss(law.process, gt, xt);
    for (double s : {0.95, 1.05}) {
      const auto diff = mean_se(w * per_sample_loss(law.process, gt * s, xt) - base);
      INFO("scale " << s << ": excess " << diff.mean << " +- " << diff.se);
      CHECK(diff.mean > 3 * diff.se);
    }
  }
  // Categorical: target uniform on 3 sequences of length 3 over V = 4; the oracle for masked positions is the
  // token frequency among the sequences consistent with the revealed tokens.
  {
    LawParams law;
    law.process = TrainProcess::kCategorical;
    law.vocab = 4;
    law.schedule = constant_schedule(3.0);
    const int seqs[3][3] = {{0, 1, 2}, {0, 3, 3}, {2, 1, 0}};
    const Index n = 20000, L = 3, V = 4;
    Batch x(L, n);
    for (Index j = 0; j < n; ++j)
      for (Index c = 0; c < L; ++c) x(c, j) = seqs[j % 3][c];
    const auto d = draw_exact(law, TimeSampling::kUniform, LossWeight::kRate, x, 5, 0);
    auto g = torch::zeros({n, L, V}, torch::kFloat64);
    auto ga = g.accessor<double, 3>();
    for (Index j = 0; j < n; ++j) {
      double r[3], tot = 0;
      for (int i = 0; i < 3; ++i) {
        r[i] = 1;
        for (Index c = 0; c < L; ++c)
          if (d.masked(c, j) == 0 && d.mu(c * V + seqs[i][c], j) != 1.0) r[i] = 0;
        tot += r[i];
      }
      for (int i = 0; i < 3; ++i)
        for (Index c = 0; c < L; ++c) ga[j][c][seqs[i][c]] += r[i] / tot;
    }
    const auto xt = to_tensor(x).to(torch::kLong), w = to_tensor(d.weight), m = to_tensor(d.masked);
    const auto base = w * per_sample_loss(law.process, g.clamp_min(1e-300).log(), xt, m);
    const auto mixed = (0.9 * g + 0.1 / V).log();
    const auto sharp = torch::log_softmax(2.0 * g.clamp_min(1e-300).log(), -1);
    for (const auto& alt : {mixed, sharp}) {
      const auto diff = mean_se(w * per_sample_loss(law.process, alt, xt, m) - base);
      INFO("categorical excess " << diff.mean << " +- " << diff.se);
      CHECK(diff.mean > 3 * diff.se);
    }
  }
}

TEST_CASE("losses: Monte Carlo estimate is unbiased against direct quadrature") {
  const double atoms[3] = {-1.0, 0.5, 2.0}, weights[3] = {0.2, 0.5, 0.3};
  const Index n = 200000;
  Batch x(1, n);
  for (Index j = 0; j < n; ++j) x(0, j) = atoms[(j % 10) < 2 ? 0 : ((j % 10) < 7 ? 1 : 2)];
  auto simpson = [](const std::function<double(double)>& h) {
    const int m = 20000;
    double s = h(0) + h(1);
    for (int i = 1; i < m; ++i) s += (i % 2 ? 4 : 2) * h(static_cast<double>(i) / m);
    return s / (3.0 * m);
  };
  SUBCASE("normal, g = 0.8 mu + 0.3 t, exponential schedule") {
    LawParams law;
    law.schedule = exponential_schedule();
    // E (x - 0.8 (c x + sqrt(v) eps) - 0.3 t)^2 = (x (1 - 0.8 c) - 0.3 t)^2 + 0.64 v
    auto expected_loss = [&](double t) {
      const double A = law.schedule->F(t), c = A / (law.b + A), v = A / ((law.b + A) * (law.b + A));
      double e = 0;
      for (int i = 0; i < 3; ++i) e += weights[i] * (std::pow(atoms[i] * (1 - 0.8 * c) - 0.3 * t, 2) + 0.64 * v);
      return e;
    };
    for (auto weight : {LossWeight::kRate, LossWeight::kIntegral})
      for (auto sampling : {TimeSampling::kUniform, TimeSampling::kLogPrecision}) {
        const double direct = simpson([&](double t) {
          return (weight == LossWeight::kRate ? law.schedule->f(t) : law.schedule->F(t)) * expected_loss(t);
        });
        const auto d = draw_exact(law, sampling, weight, x, 21, 0);
        const auto g = 0.8 * to_tensor(d.mu) + 0.3 * to_tensor(d.t).unsqueeze(1);
        const auto s = mean_se(to_tensor(d.weight) * per_sample_loss(law.process, g, to_tensor(x)));
        INFO("weight " << int(weight) << " sampling " << int(sampling) << ": MC " << s.mean << " +- " << s.se
                       << ", direct " << direct);
        CHECK(std::abs(s.mean - direct) < 4 * s.se);
        CHECK(s.se < 0.05 * direct);  // the estimate is informative, not vacuous
      }
  }
  SUBCASE("gamma-poisson, g = 0.5 + 0.7 mu, constant schedule F = 20 t") {
    LawParams law;
    law.process = TrainProcess::kGammaPoisson;
    law.schedule = constant_schedule(20.0);
    Batch xp = x.abs() + 0.25;
    auto expected_loss = [&](double t) {
      const double A = law.schedule->F(t);
      double e = 0;
      for (int i = 0; i < 3; ++i) {
        const double xi = std::abs(atoms[i]) + 0.25, mean = xi * A;
        double p = std::exp(-mean), acc = 0;
        for (int N = 0; N < 400; ++N) {
          const double g = 0.5 + 0.7 * (law.beta1 + N) / (law.beta2 + A);
          acc += p * (g - xi + xi * std::log(xi / g));
          p *= mean / (N + 1);
        }
        e += weights[i] * acc;
      }
      return e;
    };
    const double direct = simpson([&](double t) { return law.schedule->f(t) * expected_loss(t); });
    const auto d = draw_exact(law, TimeSampling::kUniform, LossWeight::kRate, xp, 23, 0);
    const auto g = 0.5 + 0.7 * to_tensor(d.mu);
    const auto s = mean_se(to_tensor(d.weight) * per_sample_loss(law.process, g, to_tensor(xp)));
    INFO("MC " << s.mean << " +- " << s.se << ", direct " << direct);
    CHECK(std::abs(s.mean - direct) < 4 * s.se);
    CHECK(s.se < 0.05 * direct);
  }
}

TEST_CASE("exact-law draws: data outside a process's support throws naming data, the sample and the coordinate") {
  // One bad value among good ones, for each process; the good batch draws.
  struct Case {
    TrainProcess process;
    double good, bad;
    const char* says;
  };
  const Case cases[] = {
      {TrainProcess::kNormal, -1.5, std::nan(""), "values must be finite, got nan (sample 3, coordinate 1)"},
      {TrainProcess::kGammaPoisson, 0.0, -2.0, "gamma-poisson needs x >= 0, got -2 (sample 3, coordinate 1)"},
      {TrainProcess::kInverseGammaGamma, 0.5, 0.0, "inverse-gamma-gamma needs x > 0, got 0 (sample 3, coordinate 1)"},
      {TrainProcess::kCategorical, 2.0, 1.5, "tokens must be integers in [0, 4), got 1.5 (sample 3, position 1)"}};
  for (const Case& c : cases) {
    LawParams law;
    law.process = c.process;
    law.beta1 = c.process == TrainProcess::kInverseGammaGamma ? 3.0 : 0.1;
    law.schedule = constant_schedule(3.0);
    law.vocab = 4;
    Batch x = Batch::Constant(2, 5, c.good);
    CHECK_NOTHROW(draw_exact(law, TimeSampling::kUniform, LossWeight::kRate, x, 1, 0));
    x(1, 3) = c.bad;
    try {
      draw_exact(law, TimeSampling::kUniform, LossWeight::kRate, x, 1, 0);
      FAIL("no error for " << c.says);
    } catch (const Error& e) {
      CHECK(e.argument == "data");
      CHECK(std::string(e.detail) == c.says);
    }
  }
}
