// Given x (pmm::GivenX), the exact steppers reproduce the closed-form laws at any step count:
// Normal: mu(t) ~ N(c x, v), c = F/(b + F), v = F/(b + F)^2 (KS, mean, variance at every saved time).
// Gamma-Poisson: mu(t) = (beta1 + N(t))/(beta2 + F(t)) with integer, nondecreasing N along each path and
// N(t) ~ Poisson(x F(t)) (chi-square) for the exact step, tau-leaping and midpoint tau-leaping.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/poisson.hpp>

#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/tau_leap.hpp>
#include "test_stats.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

using pmm_test::uniform_grid;

// Coordinate d of save s of a trajectory laid out [saves, paths, dim].
std::vector<double> saved(const pmm::Solution& r, size_t s, Index paths, Index dim, Index d) {
  std::vector<double> out(paths);
  for (Index j = 0; j < paths; ++j) out[j] = r.trajectory[(s * paths + j) * dim + d];
  return out;
}

}  // namespace

TEST_CASE("exact step given x: mu(t) ~ N(c x, v) at every saved time for 1, 3 and 17 steps (KS, z, chi-square)") {
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  const Index paths = 5000, dim = 2;
  Batch x(dim, paths);
  x.row(0).setConstant(0.7);
  x.row(1).setConstant(-1.2);
  const pmm::GivenX given(x);
  const pmm::PhiloxNoise noise(606);
  for (int n : {1, 3, 17}) {
    pmm::IntegrateOptions opt;
    opt.grid = uniform_grid(n);
    opt.save_every = n == 17 ? 4 : 1;
    const auto r = pmm::integrate(pmm::ExactStep{}, p, given, noise, paths, opt);
    for (size_t s = 1; s < r.save_times.size(); ++s) {
      const double F = p.schedule->F(r.save_times[s]), c = p.c(F), sd = std::sqrt(p.v(F));
      for (Index d = 0; d < dim; ++d) {
        std::vector<double> z = saved(r, s, paths, dim, d);
        for (double& v : z) v = (v - c * x(d, 0)) / sd;
        const auto ks = pmm_test::ks_test(z, pmm_test::normal_cdf);
        INFO("steps " << n << " t = " << r.save_times[s] << " coordinate " << d << " KS p " << ks.p_value);
        CHECK(ks.p_value > pmm_test::kMinP);
        CHECK(pmm_test::z_p_value(pmm_test::mean(z) * std::sqrt(double(paths))) > pmm_test::kMinP);
        CHECK(pmm_test::variance_p_value(pmm_test::variance(z), 1.0, paths) > pmm_test::kMinP);
      }
    }
  }
}

TEST_CASE("exact step given x: one step from a given start is keep mu0 + gain x + scale xi (1e-15)") {
  // The driver's noise for step 0 is fill_normals(seed, kNormal, 0, ...); the closed form is evaluated
  // with the same normals, so only the last-ulp rounding of three products can differ.
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  const Index paths = 9;
  Batch x = Eigen::ArrayXd::LinSpaced(paths, -2.0, 2.0).transpose();
  Batch mu0 = Eigen::ArrayXd::LinSpaced(paths, 1.0, -1.0).transpose();
  pmm::IntegrateOptions opt;
  opt.grid = {0.0, 1.0};
  opt.initial = &mu0;
  const pmm::PhiloxNoise noise(17);
  const auto r = pmm::integrate(pmm::ExactStep{}, p, pmm::GivenX(x), noise, paths, opt);
  Batch xi(1, paths);
  pmm::fill_normals(17, pmm::Stream::kNormal, 0, 0, xi);
  const auto tr = p.transition(0.0, p.schedule->F(1.0));
  const Batch want = tr.keep * mu0 + tr.gain * x + tr.scale * xi;
  CHECK((r.final - want).abs().maxCoeff() <= 1e-15 * (1 + want.abs().maxCoeff()));
}

TEST_CASE("gamma-poisson given x: exact, tau-leap and midpoint give N(t) ~ Poisson(x F(t)), integer along paths") {
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  const Index paths = 5000;
  const double xv = 0.02;  // x F(1) ~ 35.4
  const pmm::GivenX given(Batch::Constant(1, paths, xv));
  const pmm::PhiloxNoise noise(707);
  for (const std::string solver : {"exact", "tau-leap", "tau-leap-midpoint"}) {
    for (int n : {1, 7, 50}) {
      pmm::IntegrateOptions opt;
      opt.grid = uniform_grid(n);
      opt.save_every = 1;
      const auto r = pmm::solve(p, solver, given, noise, paths, opt);
      INFO(solver << " with " << n << " steps");
      // Pathwise: N(t_k) = mu (beta2 + F) - beta1 is an integer (to 1e-8: mu carries ~1e-16 relative
      // error, times beta2 + F <= 1772 and N <= 80), starts at 0 and never decreases.
      bool integer = true, monotone = true;
      for (Index j = 0; j < paths; ++j) {
        double prev = 0;
        for (size_t s = 0; s < r.save_times.size(); ++s) {
          const double N = p.count(r.trajectory[s * paths + j], p.schedule->F(r.save_times[s]));
          integer = integer && std::abs(N - std::round(N)) < 1e-8;
          monotone = monotone && std::round(N) >= prev;
          prev = std::round(N);
        }
      }
      CHECK(integer);
      CHECK(monotone);
      // In law: at t = 1 and at the middle save, chi-square of N against Poisson(x F(t)).
      for (size_t s : {r.save_times.size() - 1, r.save_times.size() / 2}) {
        if (s == 0) continue;
        const double lambda = xv * p.schedule->F(r.save_times[s]);
        const boost::math::poisson_distribution<> law(lambda);
        const int kmax = static_cast<int>(lambda + 8 * std::sqrt(lambda) + 10);
        std::vector<double> observed(kmax + 1, 0.0), probs(kmax + 1);
        for (Index j = 0; j < paths; ++j) {
          const double N = std::round(p.count(r.trajectory[s * paths + j], p.schedule->F(r.save_times[s])));
          observed[std::min(static_cast<int>(N), kmax)] += 1;
        }
        for (int k = 0; k < kmax; ++k) probs[k] = boost::math::pdf(law, k);
        probs[kmax] = boost::math::cdf(boost::math::complement(law, kmax - 1));
        const auto gof = pmm_test::chi_square_gof(observed, probs);
        INFO("t = " << r.save_times[s] << " lambda = " << lambda << " chi-square " << gof.statistic << " df " << gof.df
                    << " p " << gof.p_value);
        CHECK(gof.p_value > pmm_test::kMinP);
      }
      // The final state is the saved one (no denoise) and equals (beta1 + N)/(beta2 + F(1)) exactly up to
      // the rounding of one division.
      for (Index j = 0; j < paths; j += 97) {
        const double N = std::round(p.count(r.final(0, j), p.schedule->F(1.0)));
        CHECK(r.final(0, j) == doctest::Approx(p.posterior_mean(N, p.schedule->F(1.0))).epsilon(1e-13));
      }
    }
  }
}

TEST_CASE("tau-leap: round_count and round_count_by_trunc are bitwise std::round (ties, near-ties, signs, huge values, inf, NaN)") {
  std::vector<double> xs = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, -0.49999999999999994,
                            1e-300, -1e-300, 3.0, 1e15 + 0.5, 0x1p51 + 0.5, 0x1p52 - 0.5, 0x1p52, 0x1p52 + 1, 0x1p53,
                            1e300, -1e300, HUGE_VAL, -HUGE_VAL};
  for (int k = 0; k < 2000; ++k) {  // integers and halves with a few ulps either side
    const double base = 0.5 * k * (k % 3 == 0 ? -1 : 1);
    for (double x = std::nextafter(std::nextafter(base, -1e9), -1e9); x <= std::nextafter(std::nextafter(base, 1e9), 1e9);
         x = std::nextafter(x, 1e9))
      xs.push_back(x);
  }
  int differ = 0;
  for (double x : xs) {
    const double a = pmm::detail::round_count(x), b = std::round(x), c = pmm::detail::round_count_by_trunc(x);
    differ += !(a == b && std::signbit(a) == std::signbit(b));
    differ += !(c == b && std::signbit(c) == std::signbit(b));
  }
  CHECK(differ == 0);
  CHECK(std::isnan(pmm::detail::round_count(std::nan(""))));
  CHECK(std::isnan(pmm::detail::round_count_by_trunc(std::nan(""))));
}
