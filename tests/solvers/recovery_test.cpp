// Target recovery with exact oracles: every gap between samples and target is solver error. 4000 paths,
// 200 uniform steps, final output g(mu(1), 1) (denoise), each sample assigned to its nearest atom and the
// atom counts compared with the target weights by Pearson chi-square (p > 1e-3 at a fixed seed).
// At 200 steps the first-order solvers' atom-weight error is ~0.006 in total variation (pmm-math.md:
// 0.013 at 100 steps), below the ~0.02 a chi-square test on 4000 draws can detect.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <pmm/models/oracles/oracle.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/solvers/registry.hpp>
#include "test_stats.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

void check_recovery(const pmm::AnyProcess& process, const pmm::Oracle& oracle, const std::string& solver,
                    const Batch& atoms, const std::vector<double>& weights, int steps = 200) {
  const Index paths = 4000;
  pmm::IntegrateOptions opt;
  opt.grid = pmm::make_grid(pmm::GridSpec{}, *pmm::exponential_schedule(), steps);
  opt.denoise = true;
  opt.threads = 2;
  const auto r = pmm::solve(process, solver, oracle, pmm::PhiloxNoise(1234), paths, opt);
  std::vector<double> counts(atoms.cols(), 0.0);
  double worst = 0;  // distance of a denoised sample from its atom
  auto dist = [&](Index j, Index i) { return (r.final.col(j) - atoms.col(i)).matrix().norm(); };
  for (Index j = 0; j < paths; ++j) {
    Index best = 0;
    for (Index i = 1; i < atoms.cols(); ++i)
      if (dist(j, i) < dist(j, best)) best = i;
    counts[best] += 1;
    worst = std::max(worst, dist(j, best));
  }
  const auto gof = pmm_test::chi_square_gof(counts, weights);
  std::string text;
  for (double c : counts) text += " " + std::to_string(c / paths);
  INFO(pmm::process_name(process) << " " << solver << " frequencies" << text << " chi-square " << gof.statistic
                                  << " p " << gof.p_value << " worst distance to an atom " << worst);
  CHECK(gof.p_value > pmm_test::kMinP);
  // Denoised outputs are convex combinations of atoms. At t = 1 (F ~ 1770) a sample drawn near atom a has
  // log-likelihood gaps to the other atoms of ~(b + F) gap^2 / 2 >= 2000 (Normal) or more (Poisson counts
  // of means >= 1770 apart), so g sits on an atom to far below 1e-6; a larger distance means a path
  // stranded between atoms by the solver.
  CHECK(worst < 1e-6);
}

}  // namespace

TEST_CASE("target recovery: Normal process, 3 atoms, exact / Euler-Maruyama / Heun at 200 steps") {
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  Batch atoms(1, 3);
  atoms << -1.0, 0.5, 2.0;
  const std::vector<double> w = {0.2, 0.5, 0.3};
  const auto oracle = pmm::finite_set_oracle(p, atoms, Eigen::Map<const Eigen::VectorXd>(w.data(), 3));
  for (const std::string solver : {"exact", "euler-maruyama", "heun"}) check_recovery(p, *oracle, solver, atoms, w);
}

TEST_CASE("target recovery: Gamma-Poisson process, 3 atoms, tau-leap / midpoint / exact at 200 steps") {
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  Batch atoms(1, 3);
  atoms << 1.0, 4.0, 10.0;
  const std::vector<double> w = {0.3, 0.4, 0.3};
  const auto oracle = pmm::finite_set_oracle(p, atoms, Eigen::Map<const Eigen::VectorXd>(w.data(), 3));
  for (const std::string solver : {"tau-leap", "tau-leap-midpoint", "exact"}) check_recovery(p, *oracle, solver, atoms, w);
}

// Count data with zeros. The finite-set oracle excludes an atom with x_d = 0 once N_d >= 1, so the midpoint state must
// be an integer count: at a fractional one (the old midpoint, N0 + g0 (F_h - F0)) the x = 0 atoms got 0.047 of 0.3
// (1-D, 500 steps) and the chi-square p was ~0. Same tolerance as above: p > 1e-3 on 4000 paths, at 200 steps (1-D)
// and 1000 steps (2-D, 6 atoms: at 200 even the exact solver's first-order error gave p ~ 2e-4), where the error is
// below what the test resolves (~0.02 TV).
TEST_CASE("target recovery: Gamma-Poisson atoms with zero coordinates, tau-leap / midpoint / exact") {
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  SUBCASE("1-D atoms {0, 2, 5}") {
    Batch atoms(1, 3);
    atoms << 0.0, 2.0, 5.0;
    const std::vector<double> w = {0.3, 0.4, 0.3};
    const auto oracle = pmm::finite_set_oracle(p, atoms, Eigen::Map<const Eigen::VectorXd>(w.data(), 3));
    for (const std::string solver : {"tau-leap", "tau-leap-midpoint", "exact"}) check_recovery(p, *oracle, solver, atoms, w);
  }
  SUBCASE("2-D, 6 atoms, 4 of them with a zero coordinate") {
    Batch atoms(2, 6);
    atoms << 0.0, 0.0, 3.0, 1.0, 5.0, 2.0,  //
        0.0, 4.0, 0.0, 2.0, 0.0, 6.0;
    const std::vector<double> w = {0.2, 0.15, 0.15, 0.2, 0.1, 0.2};
    const auto oracle = pmm::finite_set_oracle(p, atoms, Eigen::Map<const Eigen::VectorXd>(w.data(), 6));
    for (const std::string solver : {"tau-leap", "tau-leap-midpoint", "exact"})
      check_recovery(p, *oracle, solver, atoms, w, 1000);
  }
}
