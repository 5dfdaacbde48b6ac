// Consistency (Theorem 1, A.2.2, A.3.2, A.4.2, A.6): the discrete online-Bayesian updates given x have the exact law
// Normal mu ~ N(c x, v), c = A/(b + A), v = A/(b + A)^2; Gamma-Poisson mean (beta1 + x A)/(beta2 + A), variance
// x A/(beta2 + A)^2; Inverse-Gamma-Gamma mean (beta2 + x A)/(beta1 + A - 1), variance A x^2/(beta1 + A - 1)^2; masked
// fraction of Dirichlet-Categorical exp(-F(t)); so mu -> x as A -> infinity.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/token_predictor.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/inverse_gamma_gamma.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/solvers/masked_sampler.hpp>
#include "validation/check_support.hpp"
#include "validation/checks.hpp"

namespace pmm {
namespace {

using check::PTests;

constexpr int kSteps = 200;                        // grid of the discrete updates (paper schedule)
const std::vector<int> kCheckpoints = {50, 100, 150, 200};  // t = 0.25, 0.5, 0.75, 1

// Standardised residuals r = (mu - E[mu | x]) / sd(mu | x) at each checkpoint, plus mu - x, for one process.
struct Residuals {
  std::vector<std::vector<double>> r, err;
  std::vector<double> A;
  double identity_gap = 0;  // largest |online mu - closed-form posterior mean| / (1 + |mu|)
};

// Adds the mean, variance and KS tests of each checkpoint to tests, and the table's summary to out.
void residual_tests(const Residuals& res, PTests& tests, CheckOutcome& out, bool ks) {
  nlohmann::json points = nlohmann::json::array();
  double worst_ratio = 1.0;
  for (size_t k = 0; k < kCheckpoints.size(); ++k) {
    const double t = static_cast<double>(kCheckpoints[k]) / kSteps;
    const auto st = check::standardised_test(res.r[k]);
    tests.add(fmt::format("mean t={}", t), st.mean_p);
    tests.add(fmt::format("variance t={}", t), st.variance_p);
    nlohmann::json j = st.json();
    if (ks) {
      const auto k_s = ks_test(res.r[k], [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); });
      tests.add(fmt::format("ks t={}", t), k_s.p_value);
      j["ks_D"] = k_s.statistic;
      j["ks_p"] = k_s.p_value;
    }
    double mse = 0;
    for (double e : res.err[k]) mse += e * e;
    j["t"] = t;
    j["A"] = res.A[k];
    j["rms_mu_minus_x"] = std::sqrt(mse / static_cast<double>(res.err[k].size()));
    points.push_back(j);
    if (std::abs(st.variance - 1) > std::abs(worst_ratio - 1)) worst_ratio = st.variance;
  }
  bool shrinking = true;
  for (size_t k = 1; k < points.size(); ++k)
    shrinking = shrinking && points[k]["rms_mu_minus_x"].get<double>() < points[k - 1]["rms_mu_minus_x"].get<double>();
  out.details["checkpoints"] = points;
  out.details["rms_shrinks"] = shrinking;
  out.details["identity_gap"] = res.identity_gap;
  out.details["tests"] = tests.json();
  const bool identity_ok = res.identity_gap <= 1e-9;
  out.details["identity_ok"] = identity_ok;
  out.pass = tests.pass() && shrinking && identity_ok;
  out.statistic = fmt::format("var ratio {}, RMS(mu(1)-x) {}, p {}", check::num(worst_ratio, 4),
                              check::num(points.back()["rms_mu_minus_x"].get<double>()), check::num(tests.corrected()));
  out.tolerance = "Bonferroni p >= 1e-3, RMS falls";
}

CheckOutcome consistency_normal(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(20000, 200000);
  NormalProcess p;
  p.b = 2.0;
  p.schedule = exponential_schedule();
  const Batch x = builtin_oracle(p, "atoms3")->sample(n, ctx.seed);
  Residuals res;
  res.r.assign(kCheckpoints.size(), std::vector<double>(static_cast<size_t>(n)));
  res.err = res.r;
  for (int s : kCheckpoints) res.A.push_back(p.schedule->F(static_cast<double>(s) / kSteps));
  check::parallel_paths(n, ctx.threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      double mu = p.initial_mean(), A = 0;
      size_t k = 0;
      for (int s = 1; s <= kSteps; ++s) {
        const double alpha = p.schedule->F(static_cast<double>(s) / kSteps) - p.schedule->F((s - 1.0) / kSteps);
        auto u = check::draws(ctx.seed, j, static_cast<std::uint32_t>(s), check::kCheckNormal);
        const double y = NormalProcess::observe(x(0, j), alpha, normal_draw(u));
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        if (k < kCheckpoints.size() && s == kCheckpoints[k]) {
          res.r[k][static_cast<size_t>(j)] = (mu - p.c(A) * x(0, j)) / std::sqrt(p.v(A));
          res.err[k][static_cast<size_t>(j)] = mu - x(0, j);
          ++k;
        }
      }
    }
  });
  // The online update against the batch formula sum alpha y / (b + A) on one path, step by step.
  {
    double mu = 0, A = 0, say = 0;
    for (int s = 1; s <= kSteps; ++s) {
      const double alpha = p.schedule->F(static_cast<double>(s) / kSteps) - p.schedule->F((s - 1.0) / kSteps);
      auto u = check::draws(ctx.seed, 0, static_cast<std::uint32_t>(s), check::kCheckNormal);
      const double y = NormalProcess::observe(x(0, 0), alpha, normal_draw(u));
      mu = p.update(mu, y, A, alpha);
      A += alpha;
      say += alpha * y;
      res.identity_gap = std::max(res.identity_gap, std::abs(mu - p.posterior_mean(say, A)) / (1 + std::abs(mu)));
    }
  }
  PTests tests;
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["steps"] = kSteps;
  out.details["schedule"] = p.schedule->describe();
  out.details["target"] = "atoms3 {-1, 0.5, 2}";
  residual_tests(res, tests, out, true);
  return out;
}

CheckOutcome consistency_gamma_poisson(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(20000, 200000);
  GammaPoissonProcess p;
  p.schedule = exponential_schedule();
  const Batch x = builtin_oracle(p, "counts3")->sample(n, ctx.seed);
  Residuals res;
  res.r.assign(kCheckpoints.size(), std::vector<double>(static_cast<size_t>(n)));
  res.err = res.r;
  for (int s : kCheckpoints) res.A.push_back(p.schedule->F(static_cast<double>(s) / kSteps));
  std::vector<double> gap(static_cast<size_t>(n), 0.0), first_count(static_cast<size_t>(n));
  check::parallel_paths(n, ctx.threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      double mu = p.initial_mean(), A = 0, N = 0;
      size_t k = 0;
      for (int s = 1; s <= kSteps; ++s) {
        const double alpha = p.schedule->F(static_cast<double>(s) / kSteps) - p.schedule->F((s - 1.0) / kSteps);
        auto u = check::draws(ctx.seed, j, static_cast<std::uint32_t>(s), check::kCheckPoisson);
        const double y = poisson_draw(u, alpha * x(0, j));
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        N += y;
        gap[static_cast<size_t>(j)] =
            std::max(gap[static_cast<size_t>(j)], std::abs(mu - p.posterior_mean(N, A)) / (1 + std::abs(mu)));
        if (k < kCheckpoints.size() && s == kCheckpoints[k]) {
          const double xa = x(0, j) * A;
          res.r[k][static_cast<size_t>(j)] = (mu - (p.beta1 + xa) / (p.beta2 + A)) / (std::sqrt(xa) / (p.beta2 + A));
          res.err[k][static_cast<size_t>(j)] = mu - x(0, j);
          if (k == 0) first_count[static_cast<size_t>(j)] = N;
          ++k;
        }
      }
    }
  });
  for (double g : gap) res.identity_gap = std::max(res.identity_gap, g);
  PTests tests;
  CheckOutcome out;
  // Exact law of the count at t = 0.25 for each atom: N ~ Poisson(x A), chi-square with a pooled tail.
  nlohmann::json gof = nlohmann::json::array();
  for (double atom : {1.0, 4.0, 10.0}) {
    const double m = atom * res.A[0];
    const int bins = static_cast<int>(m + 6 * std::sqrt(m) + 6);
    std::vector<std::int64_t> counts(static_cast<size_t>(bins) + 1, 0);
    for (Index j = 0; j < n; ++j)
      if (x(0, j) == atom)
        ++counts[static_cast<size_t>(std::min<double>(first_count[static_cast<size_t>(j)], bins))];
    std::vector<double> prob(static_cast<size_t>(bins) + 1);
    double pk = std::exp(-m), acc = 0;
    for (int i = 0; i < bins; ++i) {
      prob[static_cast<size_t>(i)] = pk;
      acc += pk;
      pk *= m / (i + 1);
    }
    prob[static_cast<size_t>(bins)] = std::max(0.0, 1.0 - acc);
    const auto c = chi_square_gof(counts, prob);
    tests.add(fmt::format("count law x={} t=0.25", atom), c.p_value);
    gof.push_back({{"x", atom}, {"mean", m}, {"chi2", c.statistic}, {"df", c.df}, {"p", c.p_value}});
  }
  out.details["count_law_t0.25"] = gof;
  out.details["paths"] = n;
  out.details["steps"] = kSteps;
  out.details["schedule"] = p.schedule->describe();
  out.details["target"] = "counts3 {1, 4, 10}";
  residual_tests(res, tests, out, false);
  return out;
}

CheckOutcome consistency_inverse_gamma_gamma(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(20000, 200000);
  InverseGammaGammaProcess p;
  p.beta1 = 2.0;
  p.beta2 = 1.0;
  p.schedule = exponential_schedule();
  p.check("inverse-gamma-gamma process");
  const double atoms[3] = {0.5, 2.0, 5.0};
  Residuals res;
  res.r.assign(kCheckpoints.size(), std::vector<double>(static_cast<size_t>(n)));
  res.err = res.r;
  for (int s : kCheckpoints) res.A.push_back(p.schedule->F(static_cast<double>(s) / kSteps));
  std::vector<double> gap(static_cast<size_t>(n), 0.0);
  check::parallel_paths(n, ctx.threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      const double x = atoms[j % 3];
      double mu = p.initial_mean(), A = 0, Y = 0;
      size_t k = 0;
      for (int s = 1; s <= kSteps; ++s) {
        const double alpha = p.schedule->F(static_cast<double>(s) / kSteps) - p.schedule->F((s - 1.0) / kSteps);
        auto u = check::draws(ctx.seed, j, static_cast<std::uint32_t>(s), check::kCheckGamma);
        const double y = x * gamma_draw(u, alpha);
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        Y += y;
        gap[static_cast<size_t>(j)] =
            std::max(gap[static_cast<size_t>(j)], std::abs(mu - p.posterior_mean(Y, A)) / (1 + std::abs(mu)));
        if (k < kCheckpoints.size() && s == kCheckpoints[k]) {
          const double d = p.denominator(A);
          res.r[k][static_cast<size_t>(j)] = (mu - (p.beta2 + A * x) / d) / (std::sqrt(A) * x / d);
          res.err[k][static_cast<size_t>(j)] = mu - x;
          ++k;
        }
      }
    }
  });
  for (double g : gap) res.identity_gap = std::max(res.identity_gap, g);
  PTests tests;
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["steps"] = kSteps;
  out.details["schedule"] = p.schedule->describe();
  out.details["x"] = "0.5, 2, 5 in turn (prior beta1 = 2, beta2 = 1)";
  residual_tests(res, tests, out, false);
  return out;
}

// Masked count over all paths and positions at time t: sum of independent Bernoulli(exp(-F_c(t))).
double masked_z(const Solution& r, size_t save, const DirichletCategoricalProcess& p, double& observed,
                double& expected) {
  double mean = 0, var = 0;
  for (int c = 0; c < p.length; ++c) {
    const double q = p.masked_probability(c, r.save_times[save]);
    mean += q;
    var += q * (1 - q);
  }
  const double n = static_cast<double>(r.paths);
  double total = 0;
  for (Index j = 0; j < r.paths; ++j) total += r.trajectory[save * static_cast<size_t>(r.paths) + j] * p.length;
  observed = total / (n * p.length);
  expected = mean / p.length;
  return var > 0 ? (total - n * mean) / std::sqrt(n * var) : (std::abs(total - n * mean) < 0.5 ? 0.0 : INFINITY);
}

CheckOutcome consistency_dirichlet_categorical(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(2000, 20000);
  const int V = 27, C = 64;
  std::vector<int> x(static_cast<size_t>(n) * C);
  for (Index j = 0; j < n; ++j)
    for (int c = 0; c < C; ++c)
      x[static_cast<size_t>(j * C + c)] =
          static_cast<int>(check::draws(ctx.seed, j, 0, check::kCheckUniform, static_cast<std::uint32_t>(c)).next() * V);
  const GivenTokens given(x, n, C, V);
  const std::vector<double> saves = {0.05, 0.1, 0.2, 0.3, 0.5, 1.0};
  struct Run {
    std::string name;
    PositionSchedulePtr schedule;
    MaskedSolver solver;
  };
  const std::vector<Run> runs = {{"fixed-grid, linear", paper_text_linear_schedule(), MaskedSolver::kFixedGrid},
                                 {"event-driven, linear", paper_text_linear_schedule(), MaskedSolver::kEventDriven},
                                 {"event-driven, semi-ar", semi_autoregressive_schedule(C), MaskedSolver::kEventDriven}};
  PTests tests;
  CheckOutcome out;
  std::int64_t mismatches = 0;
  double worst_gap = 0;
  nlohmann::json runs_json = nlohmann::json::array();
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto p = dirichlet_categorical_process(V, C, runs[i].schedule);
    MaskedOptions opt;
    opt.solver = runs[i].solver;
    opt.grid = check::uniform_grid(100);
    opt.save_times = saves;
    opt.threads = ctx.threads;
    opt.seed = ctx.seed + i;
    const Solution r = run_masked(p, given, n, opt);
    for (size_t k = 0; k < x.size(); ++k) mismatches += r.tokens[k] != x[k];
    nlohmann::json pts = nlohmann::json::array();
    for (size_t s = 0; s < saves.size(); ++s) {
      double obs = 0, expct = 0;
      const double z = masked_z(r, s, p, obs, expct);
      tests.add(fmt::format("{} t={}", runs[i].name, saves[s]), check::z_p_value(z));
      worst_gap = std::max(worst_gap, std::abs(obs - expct));
      pts.push_back({{"t", saves[s]}, {"masked", obs}, {"exp_minus_F", expct}, {"z", z}});
    }
    runs_json.push_back({{"run", runs[i].name}, {"schedule", runs[i].schedule->describe()}, {"points", pts}});
  }
  out.details["runs"] = runs_json;
  out.details["paths"] = n;
  out.details["length"] = C;
  out.details["vocab"] = V;
  out.details["final_token_mismatches"] = mismatches;
  out.details["tests"] = tests.json();
  out.pass = tests.pass() && mismatches == 0;
  out.statistic = fmt::format("max |masked - e^-F| {}, mismatches {}, p {}", check::num(worst_gap), mismatches,
                              check::num(tests.corrected()));
  out.tolerance = "Bonferroni p >= 1e-3, 0 mismatches";
  return out;
}

}  // namespace

std::vector<CheckSpec> consistency_checks() {
  return {
      {"consistency.normal", "mu|x ~ N(cx, F/(b+F)^2), mu -> x",
       "given x in atoms3, 200 online updates (paper schedule): (mu - c x)/sqrt(v) is N(0,1) at t = 1/4..1 "
       "(mean, variance, KS); the update equals sum alpha y/(b + A); RMS(mu - x) falls",
       consistency_normal},
      {"consistency.gamma-poisson", "Var(mu|x) = xF/(beta2+F)^2, mu -> x",
       "given x in counts3, 200 online updates: mu has mean (beta1 + xA)/(beta2 + A) and variance xA/(beta2 + A)^2; "
       "N(1/4) ~ Poisson(xA) by chi-square; the update equals (beta1 + N)/(beta2 + A); RMS(mu - x) falls",
       consistency_gamma_poisson},
      {"consistency.inverse-gamma-gamma", "Var(mu|x) = Fx^2/(beta1+F-1)^2, mu -> x",
       "given x in {0.5, 2, 5}, 200 online updates: mu has mean (beta2 + Ax)/(beta1 + A - 1) and variance "
       "A x^2/(beta1 + A - 1)^2; the update equals (beta2 + Y)/(beta1 + A - 1); RMS(mu - x) falls",
       consistency_inverse_gamma_gamma},
      {"consistency.dirichlet-categorical", "P(masked) = exp(-F), tokens -> x",
       "given x (V = 27, C = 64): masked fraction equals exp(-F_c(t)) for the fixed-grid and event-driven samplers "
       "(linear and semi-autoregressive schedules); every token at t = 1 equals x",
       consistency_dirichlet_categorical},
  };
}

}  // namespace pmm
