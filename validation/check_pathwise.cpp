// Pathwise identities of the Gamma-Poisson process (Theorem 3, eq. 35): mu(t) = L(t) + A(t) N(t) with N(t) a
// non-decreasing integer count, A = 1/(beta2 + F), L = beta1 A; and between jumps the simplified drift
// -f mu/(beta2 + F) equals the paper's L' + (A'/A)(mu - L), with jumps of size A(t) dN.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/solvers/registry.hpp>
#include "validation/check_solve.hpp"
#include "validation/check_support.hpp"
#include "validation/checks.hpp"

namespace pmm {
namespace {

using check::PTests;

// Along tau-leaping, midpoint and exact-step paths driven by the counts3 oracle (paper schedule), every saved mu
// gives an integer count N = mu (beta2 + F) - beta1 that never decreases.
CheckOutcome pathwise_count(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(2000, 20000);
  const int steps = 200;
  GammaPoissonProcess p;
  p.schedule = exponential_schedule();
  const AnyProcess any = p;
  const auto oracle = builtin_oracle(p, "counts3");
  double worst = 0;  // max |N - round(N)| / max(1, N)
  std::int64_t decreases = 0, negatives = 0, checked = 0;
  nlohmann::json per = nlohmann::json::object();
  for (const std::string solver : {"tau-leap", "tau-leap-midpoint", "exact"}) {
    IntegrateOptions opt;
    opt.grid = check::uniform_grid(steps);
    opt.save_every = 1;
    opt.threads = ctx.threads;
    const auto r = check_solve(ctx, any, solver, *oracle, ctx.seed, n, opt);
    double w = 0;
    for (Index j = 0; j < n; ++j) {
      double prev = 0;
      for (size_t s = 0; s < r.save_times.size(); ++s) {
        const double mu = r.trajectory[s * static_cast<size_t>(n) + static_cast<size_t>(j)];
        const double N = p.count(mu, p.schedule->F(r.save_times[s]));
        const double R = std::round(N);
        w = std::max(w, std::abs(N - R) / std::max(1.0, std::abs(N)));
        decreases += R < prev;
        negatives += R < 0;
        prev = R;
        ++checked;
      }
    }
    per[solver] = w;
    worst = std::max(worst, w);
  }
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["steps"] = steps;
  out.details["states_checked"] = checked;
  out.details["max_relative_non_integer"] = per;
  out.details["decreasing_counts"] = decreases;
  out.details["negative_counts"] = negatives;
  out.pass = worst <= 1e-9 && decreases == 0 && negatives == 0;
  out.statistic = fmt::format("max |N - round N|/N {}, decreases {}", check::num(worst), decreases);
  out.tolerance = "<= 1e-9, 0 decreases";
  return out;
}

// RK4 on dmu/dt = drift(t, mu) over [t0, t1] with m substeps.
template <class Drift>
double rk4(const Drift& drift, double mu, double t0, double t1, int m) {
  const double h = (t1 - t0) / m;
  for (int i = 0; i < m; ++i) {
    const double t = t0 + i * h;
    const double k1 = drift(t, mu), k2 = drift(t + h / 2, mu + h / 2 * k1), k3 = drift(t + h / 2, mu + h / 2 * k2),
                 k4 = drift(t + h, mu + h * k3);
    mu += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return mu;
}

// Given x, the Cox process of intensity x f(t) is simulated exactly by thinning (f increasing, bound x f(1)); mu is
// integrated between jumps in both SDE forms and compared with L + A N at every jump and at t = 1. N(1) is tested
// against Poisson(x F(1)): the intensity the process declares (GammaPoissonProcess::intensity).
CheckOutcome pathwise_sde(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(2000, 20000);
  GammaPoissonProcess p;
  p.schedule = exponential_schedule(3.0, 3.0);
  const auto& sc = *p.schedule;
  const double F1 = sc.F(1.0), b1 = p.beta1, b2 = p.beta2;
  const Batch x = builtin_oracle(p, "counts3")->sample(n, ctx.seed);
  auto A = [&](double t) { return 1.0 / (b2 + sc.F(t)); };
  // Paper's eq. 35: L' + (A'/A)(mu - L), with A' = -f A^2 and L = beta1 A, L' = -beta1 f A^2.
  auto paper = [&](double t, double mu) {
    const double a = A(t), f = sc.f(t);
    return -b1 * f * a * a + (-f * a) * (mu - b1 * a);
  };
  auto simplified = [&](double t, double mu) { return p.drift(t, mu); };
  std::vector<double> gap_paper(static_cast<size_t>(n)), gap_simple(static_cast<size_t>(n)), r(static_cast<size_t>(n));
  check::parallel_paths(n, ctx.threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      const double xj = x(0, j), bound = p.intensity(1.0, xj);
      auto u = check::draws(ctx.seed, j, 0, check::kCheckUniform);
      double t = 0, N = 0, mu_p = p.initial_mean(), mu_s = mu_p, gp = 0, gs = 0;
      for (;;) {
        const double next = t - std::log(u.next()) / bound;  // candidate of the bounding process
        const double stop = std::min(next, 1.0);
        mu_p = rk4(paper, mu_p, t, stop, 8);
        mu_s = rk4(simplified, mu_s, t, stop, 8);
        t = stop;
        if (next >= 1.0) break;
        if (u.next() * bound <= p.intensity(t, xj)) {  // accepted: a jump of size A(t)
          N += 1;
          mu_p += A(t);
          mu_s += p.jump_size(t);
          const double exact = b1 * A(t) + A(t) * N;
          gp = std::max(gp, std::abs(mu_p - exact) / exact);
          gs = std::max(gs, std::abs(mu_s - exact) / exact);
        }
      }
      const double exact = (b1 + N) / (b2 + F1);
      gap_paper[static_cast<size_t>(j)] = std::max(gp, std::abs(mu_p - exact) / exact);
      gap_simple[static_cast<size_t>(j)] = std::max(gs, std::abs(mu_s - exact) / exact);
      r[static_cast<size_t>(j)] = (N - xj * F1) / std::sqrt(xj * F1);
    }
  });
  double worst_p = 0, worst_s = 0;
  for (Index j = 0; j < n; ++j) {
    worst_p = std::max(worst_p, gap_paper[static_cast<size_t>(j)]);
    worst_s = std::max(worst_s, gap_simple[static_cast<size_t>(j)]);
  }
  const auto st = check::standardised_test(r);
  PTests tests;
  tests.add("N(1) mean = x F(1)", st.mean_p);
  tests.add("N(1) variance = x F(1)", st.variance_p);
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["schedule"] = sc.describe();
  out.details["rk4_substeps_between_events"] = 8;
  out.details["max_relative_gap_paper_eq35"] = worst_p;
  out.details["max_relative_gap_simplified"] = worst_s;
  out.details["count_law"] = st.json();
  out.details["tests"] = tests.json();
  out.pass = worst_p <= 1e-6 && worst_s <= 1e-6 && tests.pass();
  out.statistic = fmt::format("gap eq.35 {}, simplified {}, N(1) p {}", check::num(worst_p, 2), check::num(worst_s, 2),
                              check::num(tests.corrected(), 2));
  out.tolerance = "gaps <= 1e-6, p >= 1e-3";
  return out;
}

}  // namespace

std::vector<CheckSpec> pathwise_checks() {
  return {
      {"pathwise.gamma-poisson.count", "mu = L + A N, N integer, rising",
       "tau-leap, midpoint and exact paths (counts3 oracle, paper schedule, 200 steps): mu(t) = L(t) + A(t) N(t) with "
       "N a non-negative, non-decreasing integer at every step",
       pathwise_count},
      {"pathwise.gamma-poisson.sde", "eq. 35 = simplified SDE, N ~ Pois(xF)",
       "given x, exact Cox paths of intensity x f(t) by thinning (f = 3e^{3t}); paper's eq. 35 and the simplified "
       "dmu = -f mu/(beta2 + F) dt + dN/(beta2 + F) integrated by RK4 both equal L + A N; N(1) ~ Poisson(x F(1))",
       pathwise_sde},
  };
}

}  // namespace pmm
