// The conformance battery that comes with registration: every SDE pair in solver_registry() runs these checks,
// so a new process or solver is tested by adding it to the registry (plus a fixture below for a new process).
// - given x: the law of mu(t) at t = 1/2 and t = 1 against the process's exact law given x (Normal: KS and
//   variance against N(c x, v); Gamma-Poisson: chi-square of N(t) against Poisson(x F); Inverse-Gamma-Gamma:
//   KS against Y(t) ~ Gamma(F, scale x)), 400 uniform steps, 3000 paths, p > 1e-3;
// - with the exact oracle: recovery of a finite target (denoised samples assigned to the nearest atom,
//   Pearson chi-square against the weights, 200 steps, 4000 paths, p > 1e-3);
// - pairs the registry marks as not converging to the process's law (diffusion approximations of the jump
//   processes) must show it: their recovery error does not fall from 500 to 2,000 steps.
// Orders are checked as slopes by pmm-validate's orders.* checks, which read the declared orders from the registry.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/solvers/registry.hpp>
#include "test_helpers.hpp"
#include "test_stats.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

// One fixture per registered process: an instance, a value of x, and the exact law of mu(t) given x.
struct Fixture {
  pmm::AnyProcess process;
  double x;
  // p-value of the sample of mu(t) (t with total precision F) against the exact law given x.
  std::function<double(const std::vector<double>&, double F)> law_p;
  std::string recovery_target;  // builtin target for the oracle recovery ("" when the process has no exact oracle law)
};

Fixture fixture(const std::string& name) {
  const auto sc = pmm::exponential_schedule();
  if (name == "normal") {
    pmm::NormalProcess p;
    p.schedule = sc;
    const double x = 0.7;
    return {p, x,
            [p, x](const std::vector<double>& mu, double F) {
              std::vector<double> z(mu);
              for (double& v : z) v = (v - p.c(F) * x) / std::sqrt(p.v(F));
              const double ks = pmm_test::ks_test(z, pmm_test::normal_cdf).p_value;
              return std::min(ks, pmm_test::variance_p_value(pmm_test::variance(z), 1.0, static_cast<int>(z.size())));
            },
            "atoms3"};
  }
  if (name == "gamma-poisson") {
    pmm::GammaPoissonProcess p;
    p.schedule = sc;
    const double x = 0.02;  // x F(1) ~ 35
    return {p, x,
            [p, x](const std::vector<double>& mu, double F) {
              const boost::math::poisson_distribution<> law(x * F);
              const int kmax = static_cast<int>(x * F + 8 * std::sqrt(x * F) + 10);
              std::vector<double> observed(kmax + 1, 0.0), probs(kmax + 1);
              for (double m : mu) observed[std::min(static_cast<int>(std::round(p.count(m, F))), kmax)] += 1;
              for (int k = 0; k < kmax; ++k) probs[k] = boost::math::pdf(law, k);
              probs[kmax] = boost::math::cdf(boost::math::complement(law, kmax - 1));
              return pmm_test::chi_square_gof(observed, probs).p_value;
            },
            "counts3"};
  }
  pmm::InverseGammaGammaProcess p;
  p.schedule = sc;
  const double x = 1.5;
  // The posterior-mean plug-in is not exact for this process (docs/text.md, pmm-validate limitation check): no
  // oracle recovery.
  return {p, x,
          [p, x](const std::vector<double>& mu, double F) {
            const boost::math::gamma_distribution<> law(F, x);
            std::vector<double> y;
            for (double m : mu) y.push_back(p.total(m, F));
            return pmm_test::ks_test(y, [&](double v) { return v <= 0 ? 0.0 : boost::math::cdf(law, v); }).p_value;
          },
          ""};
}

double recovery_tv(const pmm::AnyProcess& process, const pmm::Oracle& oracle, const std::string& solver,
                   const Batch& atoms, const Eigen::VectorXd& w, int steps, Index paths, double* p_value) {
  pmm::IntegrateOptions opt;
  opt.grid = pmm::make_grid(pmm::GridSpec{}, *pmm::exponential_schedule(), steps);
  opt.denoise = true;
  opt.threads = 2;
  const auto r = pmm::solve(process, solver, oracle, pmm::PhiloxNoise(4321), paths, opt);
  std::vector<double> counts(atoms.cols(), 0.0), probs(w.data(), w.data() + w.size());
  for (Index j = 0; j < paths; ++j) {
    Index best = 0;
    for (Index i = 1; i < atoms.cols(); ++i)
      if ((r.final.col(j) - atoms.col(i)).abs().sum() < (r.final.col(j) - atoms.col(best)).abs().sum()) best = i;
    counts[best] += 1;
  }
  double tv = 0, total = w.sum();
  for (Index i = 0; i < atoms.cols(); ++i) tv += 0.5 * std::abs(counts[i] / paths - w[i] / total);
  if (p_value) {
    for (double& q : probs) q /= total;
    *p_value = pmm_test::chi_square_gof(counts, probs).p_value;
  }
  return tv;
}

}  // namespace

TEST_CASE("conformance: every registered SDE pair, given x, follows the process's exact law at t = 1/2 and 1") {
  int pairs = 0;
  for (const auto& e : pmm::solver_registry()) {
    if (e.family != pmm::SolverFamily::kSde || !e.orders.converges) continue;
    ++pairs;
    const Fixture f = fixture(e.process);
    const Index paths = 3000;
    const pmm::GivenX given(Batch::Constant(1, paths, f.x));
    pmm::IntegrateOptions opt;
    opt.grid = pmm_test::uniform_grid(400);
    opt.save_every = 200;
    const auto r = pmm::solve(f.process, e.solver, given, pmm::PhiloxNoise(99), paths, opt);
    const auto sc = std::visit([](const auto& p) { return p.schedule; }, f.process);
    for (size_t s = 1; s < r.save_times.size(); ++s) {
      std::vector<double> mu(r.trajectory.begin() + s * paths, r.trajectory.begin() + (s + 1) * paths);
      const double p = f.law_p(mu, sc->F(r.save_times[s]));
      INFO(e.process << " / " << e.solver << " at t = " << r.save_times[s] << ": p = " << p);
      CHECK(p > pmm_test::kMinP);
    }
  }
  CHECK(pairs >= 7);  // 3 normal, 3 gamma-poisson, 1 inverse-gamma-gamma at the time of writing
}

TEST_CASE("conformance: every converging SDE pair recovers a finite target with its exact oracle") {
  for (const auto& e : pmm::solver_registry()) {
    if (e.family != pmm::SolverFamily::kSde || !e.orders.converges) continue;
    const Fixture f = fixture(e.process);
    if (f.recovery_target.empty()) continue;
    std::visit(
        [&](const auto& p) {
          const auto oracle = pmm::builtin_oracle(p, f.recovery_target);
          Batch atoms;
          Eigen::VectorXd w;
          REQUIRE(oracle->atoms(&atoms, &w));
          double pv = 0;
          const double tv = recovery_tv(p, *oracle, e.solver, atoms, w, 200, 4000, &pv);
          INFO(e.process << " / " << e.solver << ": TV " << tv << ", chi-square p " << pv);
          CHECK(pv > pmm_test::kMinP);
        },
        f.process);
  }
}

TEST_CASE("conformance: pairs marked non-converging show it (recovery error does not fall with steps)") {
  int checked = 0;
  for (const auto& e : pmm::solver_registry()) {
    if (e.family != pmm::SolverFamily::kSde || e.orders.converges) continue;
    CHECK(std::string(e.orders.note).size() > 10);  // the reason is written where users read it
    if (e.process != "gamma-poisson") continue;     // IGG: no exact oracle law to measure against (plug-in bias)
    ++checked;
    pmm::GammaPoissonProcess p;
    p.schedule = pmm::exponential_schedule();
    Batch atoms(1, 3);
    atoms << 0.5, 2.0, 5.0;
    Eigen::VectorXd w(3);
    w << 0.3, 0.4, 0.3;
    const auto oracle = pmm::finite_set_oracle(p, atoms, w);
    const double tv500 = recovery_tv(p, *oracle, e.solver, atoms, w, 500, 20000, nullptr);
    const double tv2000 = recovery_tv(p, *oracle, e.solver, atoms, w, 2000, 20000, nullptr);
    const double tv_tau = recovery_tv(p, *oracle, "tau-leap", atoms, w, 500, 20000, nullptr);
    MESSAGE(e.solver << ": TV " << tv500 << " at 500 steps, " << tv2000 << " at 2,000; tau-leap at 500: " << tv_tau);
    // Measured (seed 4321): 0.034 at 500 and 0.040 at 2,000 steps; tau-leap 0.007 at 500. A converging first-order
    // scheme would cut its error ~4x from 500 to 2,000 steps; sampling noise of a TV on 20,000 draws is ~0.005.
    CHECK(tv500 > 0.015);
    CHECK(tv2000 > 0.5 * tv500);
    CHECK(tv_tau < 0.5 * tv500);
  }
  CHECK(checked == 1);
}
