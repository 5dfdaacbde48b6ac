// The probability-flow ODE: ode_solve (the one Boost.Odeint door) reaches each method's order on y' = A y, counts
// every evaluation, and turns bad input and failures into pmm::Error naming ode_solve and the argument;
// probability_flow with an exact oracle ends with the SDE's final law (atom weights and within-atom spread), counts
// 1 + ODE evaluations (+1 denoised) as NFE, and does not depend on threads.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/core/error.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/solvers/shared_noise.hpp>
#include "test_stats.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

// y1' = y2, y2' = -y1 (a rotation) and y3' = -2 y3: exact solution known.
void rotation(double, const std::vector<double>& y, std::vector<double>& d) {
  d[0] = y[1];
  d[1] = -y[0];
  d[2] = -2.0 * y[2];
}

double rotation_error(const std::vector<double>& y, double s) {
  return std::max({std::abs(y[0] - std::cos(s)), std::abs(y[1] + std::sin(s)), std::abs(y[2] - std::exp(-2 * s))});
}

using pmm_test::error_of;

pmm::NormalProcess paper_process() {
  pmm::NormalProcess p;
  p.b = 2.0;
  p.schedule = pmm::exponential_schedule();
  return p;
}

// Nearest-atom counts and within-atom std of mu(1) - c x_k (1-D).
struct AtomSummary {
  std::vector<double> counts, sd;
};
AtomSummary summarise(const Batch& mu, const std::vector<double>& atoms, double c) {
  AtomSummary s{std::vector<double>(atoms.size(), 0.0), std::vector<double>(atoms.size(), 0.0)};
  std::vector<double> sum2(atoms.size(), 0.0);
  for (Index j = 0; j < mu.cols(); ++j) {
    size_t best = 0;
    for (size_t k = 1; k < atoms.size(); ++k)
      if (std::abs(mu(0, j) - c * atoms[k]) < std::abs(mu(0, j) - c * atoms[best])) best = k;
    s.counts[best] += 1;
    sum2[best] += (mu(0, j) - c * atoms[best]) * (mu(0, j) - c * atoms[best]);
  }
  for (size_t k = 0; k < atoms.size(); ++k) s.sd[k] = std::sqrt(sum2[k] / std::max(1.0, s.counts[k]));
  return s;
}

}  // namespace

TEST_CASE("probability flow: ode_solve reaches each method's order and counts every evaluation") {
  // Fixed steps: halving h divides the error by 2^order; fit the log-log slope over 8 .. 64 steps and accept
  // [order - 0.2, order + 0.25] (diffrax's band). Evaluations: 4 per RK4 step, 2 per Heun step.
  for (auto method : {pmm::OdeMethod::kRk4, pmm::OdeMethod::kHeun}) {
    std::vector<double> h, e;
    for (int steps : {8, 16, 32, 64}) {
      std::vector<double> y{1.0, 0.0, 1.0};
      pmm::OdeSolveOptions o;
      o.method = method;
      o.steps = steps;
      const auto r = pmm::ode_solve(rotation, y, 0.0, 2.0, o);
      CHECK(r.evaluations == steps * (method == pmm::OdeMethod::kRk4 ? 4 : 2));
      CHECK(r.accepted == steps);
      h.push_back(2.0 / steps);
      e.push_back(rotation_error(y, 2.0));
    }
    const double slope = pmm_test::loglog_slope(h, e);
    INFO(pmm::ode_method_name(method) << " slope " << slope);
    CHECK(slope > pmm::ode_method_order(method) - 0.2);
    CHECK(slope < pmm::ode_method_order(method) + 0.25);
  }
  // Dormand-Prince: error within 100 x tolerance (the controller bounds the local error only), FSAL evaluation
  // count 1 + 6 (accepted + rejected), and tighter tolerances cost more evaluations.
  std::int64_t previous = 0;
  for (double tol : {1e-4, 1e-7, 1e-10}) {
    std::vector<double> y{1.0, 0.0, 1.0};
    pmm::OdeSolveOptions o;
    o.rtol = o.atol = tol;
    const auto r = pmm::ode_solve(rotation, y, 0.0, 2.0, o);
    INFO("tol " << tol << " error " << rotation_error(y, 2.0) << " evaluations " << r.evaluations);
    CHECK(rotation_error(y, 2.0) < 100 * tol);
    CHECK(r.evaluations == 1 + 6 * (r.accepted + r.rejected));
    CHECK(r.evaluations > previous);
    previous = r.evaluations;
  }
}

TEST_CASE("probability flow: ode_solve checks its inputs and reports failures as pmm::Error") {
  pmm::OdeSolveOptions o;
  std::vector<double> y{1.0, 0.0, 1.0};
  auto run = [&](std::vector<double> y0, double s0, double s1, pmm::OdeSolveOptions opt) {
    return error_of([&] { pmm::ode_solve(rotation, y0, s0, s1, opt); });
  };
  CHECK(run({}, 0, 1, o).find("ode_solve: y: must not be empty") == 0);
  CHECK(run({1.0, std::nan(""), 0.0}, 0, 1, o).find("ode_solve: y: must be finite") == 0);
  CHECK(run(y, 1, 1, o).find("ode_solve: s1: must be > s0") == 0);
  CHECK(run(y, 0, INFINITY, o).find("ode_solve: s0, s1: must be finite") == 0);
  auto bad = o;
  bad.rtol = 0;
  CHECK(run(y, 0, 1, bad).find("ode_solve: rtol") == 0);
  bad = o;
  bad.atol = std::nan("");
  CHECK(run(y, 0, 1, bad).find("ode_solve: atol") == 0);
  bad = o;
  bad.method = pmm::OdeMethod::kRk4;
  bad.steps = 0;
  CHECK(run(y, 0, 1, bad).find("ode_solve: steps") == 0);
  // rhs producing NaN at s > 0.5: named with the place it happened.
  auto nan_rhs = [](double s, const std::vector<double>& x, std::vector<double>& d) {
    for (size_t i = 0; i < x.size(); ++i) d[i] = s > 0.5 ? std::nan("") : -x[i];
  };
  const std::string msg = error_of([&] { pmm::ode_solve(nan_rhs, y, 0.0, 1.0, o); });
  CHECK(msg.find("ode_solve: rhs returned a non-finite value at s = ") == 0);
  // Too many steps: a stiff problem at a tight tolerance with max_steps = 20.
  auto stiff = [](double, const std::vector<double>& x, std::vector<double>& d) { d[0] = -1e5 * (x[0] - 1); };
  bad = o;
  bad.max_steps = 20;
  std::vector<double> one{0.0};
  CHECK(error_of([&] { pmm::ode_solve(stiff, one, 0.0, 1.0, bad); }).find("ode_solve: max_steps: 20 steps") == 0);
  // Callers (pmm-sweep's budget pilots) tell "did not converge" from bad arguments by kind, not by message text.
  try {
    pmm::ode_solve(stiff, one, 0.0, 1.0, bad);
    FAIL("expected an error");
  } catch (const pmm::Error& e) {
    CHECK(e.kind == pmm::ErrorKind::kDidNotConverge);
  }
  CHECK_THROWS_AS(pmm::parse_ode_method("rk45"), pmm::Error);
  CHECK(pmm::parse_ode_method("rk4") == pmm::OdeMethod::kRk4);
  CHECK(pmm::parse_ode_clock("time") == pmm::OdeClock::kTime);
}

TEST_CASE("probability flow: ODE and SDE end with the same law on the 3-atom target (weights and spread)") {
  // atoms3: x in {-1, 0.5, 2} with weights {0.2, 0.5, 0.3}. Given the atom, mu(1) ~ N(c x, v(F(1))) exactly, so
  // both the ODE and the SDE must put weight w_k near c x_k with within-atom sd sqrt(v) = 0.02374.
  // Tolerances: chi-square p > 1e-3 at fixed seeds (20,000 paths: weight se ~ 0.35%), sd within 5% (its se ~1.1%
  // at >= 4,000 paths per atom, so 5% is > 4 se; a wrong flow misses by far more: without the mu/F term the
  // spread collapses to 0).
  const auto p = paper_process();
  const auto oracle = pmm::builtin_oracle(p, "atoms3");
  const std::vector<double> atoms{-1.0, 0.5, 2.0}, weights{0.2, 0.5, 0.3};
  const double F1 = p.schedule->F(1.0), c = p.c(F1), sd = std::sqrt(p.v(F1));
  const Index paths = 20000;
  const pmm::PhiloxNoise noise(4);

  pmm::ProbabilityFlowOptions opt;
  opt.ode.rtol = opt.ode.atol = 1e-6;
  opt.threads = 2;
  const auto ode = pmm::probability_flow(p, *oracle, noise, paths, opt);
  pmm::IntegrateOptions sde_opt;
  sde_opt.grid.resize(501);
  for (int i = 0; i <= 500; ++i) sde_opt.grid[i] = i / 500.0;
  sde_opt.threads = 2;
  const Batch sde = pmm::integrate(pmm::Heun{}, p, *oracle, noise, paths, sde_opt).final;

  for (const auto& [name, mu] : {std::pair<std::string, const Batch*>{"ode", &ode.final}, {"heun-500", &sde}}) {
    const auto s = summarise(*mu, atoms, c);
    const auto gof = pmm_test::chi_square_gof(s.counts, weights);
    INFO(name << ": counts " << s.counts[0] << " " << s.counts[1] << " " << s.counts[2] << " chi-square p "
              << gof.p_value << "; sd " << s.sd[0] << " " << s.sd[1] << " " << s.sd[2] << " (exact " << sd << ")");
    CHECK(gof.p_value > pmm_test::kMinP);
    for (double v : s.sd) CHECK(std::abs(v / sd - 1) < 0.05);
  }
  // Homogeneity of the two final laws' atom counts.
  const auto a = summarise(ode.final, atoms, c), b = summarise(sde, atoms, c);
  std::vector<double> pooled(3);
  for (int k = 0; k < 3; ++k) pooled[k] = (a.counts[k] + b.counts[k]) / (2.0 * paths);
  CHECK(pmm_test::chi_square_gof(a.counts, pooled).p_value > pmm_test::kMinP);
  INFO("ODE NFE " << ode.nfe_mean << " (max " << ode.nfe_max << "), t_start " << ode.t_start);
  CHECK(ode.nfe_mean > 10);
  CHECK(ode.nfe_mean < 1000);
}

TEST_CASE("probability flow: 2-D Gaussian mixture weights and component spread match the target") {
  // gmm2d: weights {0.5, 0.3, 0.2}, means (-1.5, 0), (1, 1), (1, -1.2), sd 0.15. Denoised output g(mu(1), 1):
  // each sample is assigned to the nearest mean; chi-square p > 1e-3 and per-coordinate sd of the two largest
  // components within 6% of sqrt(0.15^2 c + ...) ~ 0.15 (denoising shrinks the spread by c s2/(c^2 s2 + v) ~ 0.976).
  const auto p = paper_process();
  const auto oracle = pmm::builtin_oracle(p, "gmm2d");
  const Index paths = 10000;
  const pmm::TreeNoise noise(6, p.schedule);
  pmm::ProbabilityFlowOptions opt;
  opt.ode.method = pmm::OdeMethod::kRk4;
  opt.ode.steps = 25;
  opt.denoise = true;
  opt.threads = 2;
  const auto ode = pmm::probability_flow(p, *oracle, noise, paths, opt);
  CHECK(ode.nfe_mean == 1 + 4 * 25 + 1);
  CHECK(ode.nfe_max == 102);
  const double means[3][2] = {{-1.5, 0.0}, {1.0, 1.0}, {1.0, -1.2}};
  std::vector<double> counts(3, 0.0), s2(3, 0.0);
  for (Index j = 0; j < paths; ++j) {
    int best = 0;
    double bd = 1e300;
    for (int k = 0; k < 3; ++k) {
      const double d = std::hypot(ode.final(0, j) - means[k][0], ode.final(1, j) - means[k][1]);
      if (d < bd) bd = d, best = k;
    }
    counts[best] += 1;
    s2[best] += std::pow(ode.final(0, j) - means[best][0], 2);
  }
  const auto gof = pmm_test::chi_square_gof(counts, {0.5, 0.3, 0.2});
  INFO("counts " << counts[0] << " " << counts[1] << " " << counts[2] << " p " << gof.p_value);
  CHECK(gof.p_value > pmm_test::kMinP);
  const double F1 = p.schedule->F(1.0), c = p.c(F1), v = p.v(F1), s2c = 0.15 * 0.15;
  // Law of g(mu(1)) within a component: m + s2 c/(c^2 s2 + v) (mu - c m), mu - c m ~ N(0, c^2 s2 + v).
  const double expected_sd = s2c * c / std::sqrt(c * c * s2c + v);
  for (int k = 0; k < 2; ++k) CHECK(std::abs(std::sqrt(s2[k] / counts[k]) / expected_sd - 1) < 0.06);
}

TEST_CASE("probability flow: NFE accounting, thread independence, clocks and option checks") {
  const auto p = paper_process();
  const auto oracle = pmm::builtin_oracle(p, "atoms3");
  const pmm::PhiloxNoise noise(9);
  pmm::ProbabilityFlowOptions opt;
  opt.ode.method = pmm::OdeMethod::kHeun;
  opt.ode.steps = 30;
  opt.chunk = 64;
  const auto one = pmm::probability_flow(p, *oracle, noise, 500, opt);
  CHECK(one.nfe_mean == 1 + 2 * 30);
  opt.threads = 2;
  const auto two = pmm::probability_flow(p, *oracle, noise, 500, opt);
  CHECK((one.final == two.final).all());
  // Fixed steps: the chunk size does not matter (up to the predictor's own round-off).
  opt.chunk = 100;
  const auto other_chunk = pmm::probability_flow(p, *oracle, noise, 500, opt);
  CHECK((one.final - other_chunk.final).abs().maxCoeff() < 1e-12);
  // Both clocks integrate the same flow from the same start: tight dopri5 runs agree to 1e-5.
  pmm::ProbabilityFlowOptions tight;
  tight.ode.rtol = tight.ode.atol = 1e-9;
  const auto in_t = pmm::probability_flow(p, *oracle, noise, 200, tight);
  tight.clock = pmm::OdeClock::kLogPrecision;
  const auto in_log = pmm::probability_flow(p, *oracle, noise, 200, tight);
  INFO("log-clock NFE " << in_log.nfe_mean << ", time-clock NFE " << in_t.nfe_mean);
  CHECK((in_log.final - in_t.final).abs().maxCoeff() < 1e-5);
  // The start: F(t_start) = start_precision.
  CHECK(std::abs(p.schedule->F(in_log.t_start) / tight.start_precision - 1) < 1e-9);
  // Option checks name the option.
  auto bad = opt;
  bad.start_precision = 0;
  CHECK(error_of([&] { pmm::probability_flow(p, *oracle, noise, 10, bad); }).find("start_precision:") == 0);
  bad = opt;
  bad.start_precision = 1e9;
  CHECK(error_of([&] { pmm::probability_flow(p, *oracle, noise, 10, bad); }).find("start_precision:") == 0);
  bad = opt;
  bad.threads = 0;
  CHECK(error_of([&] { pmm::probability_flow(p, *oracle, noise, 10, bad); }).find("threads:") == 0);
  CHECK(error_of([&] { pmm::probability_flow(p, *oracle, noise, 0, opt); }).find("paths:") == 0);
}
