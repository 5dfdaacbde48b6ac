// Convergence orders on nested uniform grids driven by one Brownian path per sample path (FineBrownianPath).
// Strong, given x: every Normal stepper against the exact solution of the linear SDE on that path,
// z = (b + F) mu, dz = f x dt + sqrt(f) dW, so mu(1) = (x F(1) + int_0^1 sqrt(f) dW)/(b + F(1)).
// Weak, with a 3-atom oracle drift: E[phi(mu(1))] against a 1280-step Heun run on the same paths.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <boost/math/quadrature/gauss.hpp>

#include "brownian_path.hpp"
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include "test_stats.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

using pmm_test::uniform_grid;

template <class Stepper, class Pred>
Batch run(const pmm::NormalProcess& p, const Pred& pred, const pmm::NoiseSource& noise, Index paths, int steps) {
  pmm::IntegrateOptions opt;
  opt.grid = uniform_grid(steps);
  return pmm::integrate(Stepper{}, p, pred, noise, paths, opt).final;
}

}  // namespace

// The default exponential schedule (k = 13) makes the drift coefficient f/(b + F) reach ~13 near t = 1,
// so grids of 16..512 steps are not yet in the asymptotic regime (lambda dt ~ 0.8 at 16 steps; measured
// slopes EM 1.10, Heun 1.19, exact 0.98 -- Heun at the band's edge). A mild exponential schedule (a = 1,
// k = 3: f/(b + F) <= 2.4) has the same structure and is asymptotic from 16 steps (slopes 1.01..1.02).
// Tolerance: diffrax's band, declared order -0.2 / +0.25; RMS errors over 256 paths.
TEST_CASE_TEMPLATE("strong order given x on the Normal SDE (nested grids 2^4 .. 2^9, one Brownian path)", Stepper,
                   pmm::EulerMaruyama, pmm::Heun, pmm::ExactStep) {
  pmm::NormalProcess p;
  p.b = 2.0;
  p.schedule = pmm::exponential_schedule(1.0, 3.0);
  const Index paths = 256;
  const int fine = 1 << 12;
  const pmm_test::FineBrownianPath noise(314, fine, paths);
  Batch x(1, paths);
  for (Index j = 0; j < paths; ++j) {
    pmm::UniformStream u(315, static_cast<std::uint64_t>(j), 0, pmm::Stream::kUser, 0);
    x(0, j) = 1.5 * pmm::normal_draw(u);
  }
  // Cell averages of sqrt(f): given the fine increments, sum_i g_i dW_i is the conditional expectation of
  // int sqrt(f) dW, within O(1/fine) of it in L2 -- 16x below the finest coarse grid's error.
  std::vector<double> g(fine);
  for (int i = 0; i < fine; ++i)
    g[i] = boost::math::quadrature::gauss<double, 10>::integrate([&](double s) { return std::sqrt(p.schedule->f(s)); },
                                                                 double(i) / fine, double(i + 1) / fine) * fine;
  const double F1 = p.schedule->F(1.0);
  std::vector<double> exact(paths);
  for (Index j = 0; j < paths; ++j) exact[j] = (x(0, j) * F1 + noise.integral(g, j)) / (p.b + F1);

  const pmm::GivenX given(x);
  std::vector<double> h, err;
  for (int k = 4; k <= 9; ++k) {
    const int n = 1 << k;
    const Batch mu = run<Stepper>(p, given, noise, paths, n);
    double s = 0;
    for (Index j = 0; j < paths; ++j) s += (mu(0, j) - exact[j]) * (mu(0, j) - exact[j]);
    h.push_back(1.0 / n);
    err.push_back(std::sqrt(s / paths));
  }
  const double slope = pmm_test::loglog_slope(h, err);
  std::string table;
  for (size_t i = 0; i < h.size(); ++i) table += " " + std::to_string(err[i]);
  INFO(std::string(Stepper::kName) << " RMS errors" << table << " slope " << slope);
  // diffrax's acceptance band around the declared order.
  CHECK(slope >= pmm::solver_orders("normal", Stepper::kName).strong - 0.2);
  CHECK(slope <= pmm::solver_orders("normal", Stepper::kName).strong + 0.25);
}

// Weak order needs errors well above the Monte Carlo noise at CI-size path counts. With the paper's
// schedule (k = 13) the 3-atom target is resolved sharply by t = 1 and coarse runs put some paths on a
// different atom than the reference does, so Heun's errors sink below the noise (se ~0.01) already at 10
// steps. The mild schedule (a = 1, k = 3, F(1) ~ 6.4, c(1) ~ 0.76) keeps the drift smooth: coupled
// differences then have se ~1e-3 and Heun's errors are resolved at 5..20 steps.
// Functionals: phi = m^2 and exp(-m^2), errors E[phi(mu_n(1)) - phi(mu_ref(1))] on the same Brownian
// paths, reference Heun at 1280 steps (its own bias ~ e_Heun(5) (5/1280)^2 ~ 1e-6, negligible).
TEST_CASE("weak order with a 3-atom oracle drift: Heun's error falls markedly faster than Euler-Maruyama's") {
  pmm::NormalProcess p;
  p.b = 2.0;
  p.schedule = pmm::exponential_schedule(1.0, 3.0);
  Batch atoms(1, 3);
  atoms << -1.0, 0.5, 2.0;
  Eigen::VectorXd w(3);
  w << 0.2, 0.5, 0.3;
  const auto oracle = pmm::finite_set_oracle(p, atoms, w);
  const Index paths = 4000;
  const int fine = 1280;
  const std::uint64_t seed = 2718;
  const pmm_test::FineBrownianPath noise(seed, fine, paths);
  const Batch ref = run<pmm::Heun>(p, *oracle, noise, paths, fine);

  // The reference itself has the exact marginal law sum_i w_i N(c x_i, v) at t = 1 (z-test on E[mu^2]).
  const double F1 = p.schedule->F(1.0), c = p.c(F1), v = p.v(F1);
  const double m2 = c * c * (w.array() * atoms.row(0).transpose().square()).sum() + v;
  std::vector<double> ref2(paths);
  for (Index j = 0; j < paths; ++j) ref2[j] = ref(0, j) * ref(0, j);
  CHECK(pmm_test::z_p_value((pmm_test::mean(ref2) - m2) / std::sqrt(pmm_test::variance(ref2) / paths)) > pmm_test::kMinP);

  const std::vector<int> steps = {5, 10, 20, 40, 80};
  struct Errors {
    std::vector<double> e, se;
  };
  auto errors = [&](const Batch& mu, double (*phi)(double)) {
    double s = 0, s2 = 0;
    for (Index j = 0; j < paths; ++j) {
      const double d = phi(mu(0, j)) - phi(ref(0, j));
      s += d;
      s2 += d * d;
    }
    const double m = s / paths;
    return std::pair{m, std::sqrt((s2 / paths - m * m) / paths)};
  };
  const std::vector<std::pair<const char*, double (*)(double)>> phis = {
      {"m^2", [](double m) { return m * m; }}, {"exp(-m^2)", [](double m) { return std::exp(-m * m); }}};
  std::map<std::string, std::map<std::string, Errors>> table;  // solver -> phi -> errors
  for (int n : steps) {
    const std::map<std::string, Batch> finals = {{"euler-maruyama", run<pmm::EulerMaruyama>(p, *oracle, noise, paths, n)},
                                                 {"heun", run<pmm::Heun>(p, *oracle, noise, paths, n)},
                                                 {"exact", run<pmm::ExactStep>(p, *oracle, noise, paths, n)}};
    for (const auto& [solver, mu] : finals)
      for (auto [name, phi] : phis) {
        const auto [e, se] = errors(mu, phi);
        table[solver][name].e.push_back(std::abs(e));
        table[solver][name].se.push_back(se);
      }
  }
  for (auto [name, phi] : phis) {
    const auto& em = table["euler-maruyama"][name];
    const auto& he = table["heun"][name];
    const auto& ex = table["exact"][name];
    std::string text = std::string(name) + ":";
    for (size_t i = 0; i < steps.size(); ++i)
      text += " n=" + std::to_string(steps[i]) + " EM " + std::to_string(em.e[i]) + " Heun " + std::to_string(he.e[i]) +
              " (se " + std::to_string(he.se[i]) + ") exact " + std::to_string(ex.e[i]) + ";";
    const std::vector<double> h = {1 / 5.0, 1 / 10.0, 1 / 20.0, 1 / 40.0, 1 / 80.0};
    const double s_em = pmm_test::loglog_slope(h, em.e), s_ex = pmm_test::loglog_slope(h, ex.e);
    INFO(text << " slopes EM " << s_em << " exact " << s_ex << " Heun(5..20) "
                 << pmm_test::loglog_slope({h[0], h[1], h[2]}, {he.e[0], he.e[1], he.e[2]}));
    // Euler-Maruyama and the exact conditional step (Algorithm 1): declared weak order 1. Their errors
    // are >= 10 se at every n, so slope fits over all five grids are stable; diffrax's band.
    CHECK(s_em >= pmm::solver_orders("normal", "euler-maruyama").weak - 0.2);
    CHECK(s_em <= pmm::solver_orders("normal", "euler-maruyama").weak + 0.25);
    CHECK(s_ex >= pmm::solver_orders("normal", "exact").weak - 0.2);
    CHECK(s_ex <= pmm::solver_orders("normal", "exact").weak + 0.25);
    // Heun's errors fall below 2 se by 40..80 steps, so a fit over all grids would mostly fit noise; they
    // are >= 3 se at 5, 10, 20 steps, where the asymptotic order 2 is not reached yet (fitted 1.5..2.5
    // over seven seeds; Euler-Maruyama 0.98..1.03). Asserted, with margin:
    // (1) at equal steps (5, 10, 20) Heun is at least 3x more accurate than Euler-Maruyama (observed 4-9x);
    // (2) over 5..20 steps Heun's fitted slope exceeds Euler-Maruyama's by more than 0.4 (observed >= 0.55).
    for (size_t i = 0; i < 3; ++i) CHECK(he.e[i] < em.e[i] / 3);
    const std::vector<double> h3(h.begin(), h.begin() + 3);
    const double s_he3 = pmm_test::loglog_slope(h3, {he.e.begin(), he.e.begin() + 3});
    const double s_em3 = pmm_test::loglog_slope(h3, {em.e.begin(), em.e.begin() + 3});
    INFO("slopes over 5..20 steps: Heun " << s_he3 << " Euler-Maruyama " << s_em3);
    CHECK(s_he3 > s_em3 + 0.4);
  }
}
