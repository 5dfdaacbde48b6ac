// Solver orders on nested uniform grids h = 2^-m driven by one noise path (check_noise.hpp), against the same solver
// on the finest grid 2^-K (Gamma-Poisson strong: the exact jump process on the same Poisson path): strong error sqrt(E|X_h(1) - X_ref(1)|^2) (RMS: the norm in which tau-leaping has order 1/2),
// weak error |E phi(X_h(1)) - E phi(X_ref(1))| estimated from coupled differences. Fitted log-log slopes must lie in
// [p - 0.2, p + 0.25], p the order declared on the stepper (solver_orders). Mild schedule f = e^{3t}, F(1) = (e^3 - 1)/3
// (Gamma-Poisson strong: f = 2), so that the asymptotic regime starts at h ~ 1/4 (with e^{13t}: near h ~ 1/100).
#include <cmath>
#include <type_traits>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/solvers/euler_maruyama.hpp>
#include <pmm/solvers/exact_step.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include <pmm/solvers/registry.hpp>
#include <pmm/solvers/tau_leap.hpp>
#include "validation/check_noise.hpp"
#include "validation/check_orders.hpp"
#include "validation/check_support.hpp"
#include "validation/checks.hpp"

namespace pmm {
namespace {

using check::PTests;

SchedulePtr order_schedule() { return exponential_schedule(1.0, 3.0); }

NormalProcess normal_process() {
  NormalProcess p;
  p.b = 2.0;
  p.schedule = order_schedule();
  return p;
}

GammaPoissonProcess gamma_poisson_process() {
  GammaPoissonProcess p;
  p.beta1 = 0.1;
  p.beta2 = 2.0;
  p.schedule = order_schedule();
  return p;
}

// Weak target of the Normal checks: 0.3 N(-1, 1) + 0.7 N(1.5, 1); its drift is nonlinear but smooth (narrower
// components make paths near the boundary between modes dominate the variance of the coupled differences), and mu(1)
// has the exact law sum_k w_k N(c m_k, c^2 s2_k + v).
const double kMixW[2] = {0.3, 0.7}, kMixM[2] = {-1.0, 1.5}, kMixS2 = 1.0;

OraclePtr normal_weak_oracle(const NormalProcess& p) {
  Eigen::VectorXd w(2);
  w << kMixW[0], kMixW[1];
  Batch m(1, 2);
  m << kMixM[0], kMixM[1];
  return gaussian_mixture_oracle(p, w, m, Batch::Constant(1, 2, kMixS2));
}

// Test functions phi_1 = mu, phi_2 = mu^2, phi_3 = cos(mu) and their exact means under a mixture of normals
// (Normal) or of Poisson counts (Gamma-Poisson). The weak errors are fitted on mu^2 (Normal) and cos mu (Gamma-Poisson,
// bounded; mu^2 is dominated there by the large atoms' Poisson noise), whose error curves are asymptotic from h = 1/4 on;
// all three are recorded.
constexpr int kNormalPhi = 1, kPoissonPhi = 2;
using check::kPhis;
double phi(int k, double mu) { return k == 0 ? mu : (k == 1 ? mu * mu : std::cos(mu)); }

double normal_exact_moment(const NormalProcess& p, int k) {
  const double F = p.schedule->F(1.0), c = p.c(F), v = p.v(F);
  double e = 0;
  for (int i = 0; i < 2; ++i) {
    const double m = c * kMixM[i], s2 = c * c * kMixS2 + v;
    e += kMixW[i] * (k == 0 ? m : (k == 1 ? m * m + s2 : std::cos(m) * std::exp(-s2 / 2)));
  }
  return e;
}

// Gamma-Poisson targets: three weighted atoms; counts3 = 0.3 d(1) + 0.4 d(4) + 0.3 d(10) (as the built-in one).
struct Atoms {
  double x[3], w[3];
};
constexpr Atoms kCounts3 = {{1.0, 4.0, 10.0}, {0.3, 0.4, 0.3}};
constexpr Atoms kStrongAtoms = {{0.5, 2.0, 5.0}, {0.3, 0.4, 0.3}};

OraclePtr atoms_oracle(const GammaPoissonProcess& p, const Atoms& a) {
  Batch pts(1, 3);
  pts << a.x[0], a.x[1], a.x[2];
  Eigen::VectorXd w(3);
  w << a.w[0], a.w[1], a.w[2];
  return finite_set_oracle(p, pts, w);
}

double gamma_poisson_exact_moment(const GammaPoissonProcess& p, int k) {
  const double F = p.schedule->F(1.0), D = p.beta2 + F, b = p.beta1;
  const double* atoms = kCounts3.x;
  const double* w = kCounts3.w;
  double e = 0;
  for (int i = 0; i < 3; ++i) {
    const double l = atoms[i] * F, n1 = l, n2 = l + l * l;
    // E cos((b + N)/D) = Re exp(i b/D) E exp(i N/D), E exp(i u N) = exp(l (e^{iu} - 1)).
    const double m = k == 0   ? (b + n1) / D
                     : k == 1 ? (b * b + 2 * b * n1 + n2) / (D * D)
                              : std::exp(l * (std::cos(1 / D) - 1)) * std::cos(b / D + l * std::sin(1 / D));
    e += w[i] * m;
  }
  return e;
}

// Exact strong reference for the finite-set oracle: g depends on (N, F) only, g_N(F) = d/dF [-log Z_N(F)] with
// Z_N(F) = sum_i w_i x_i^N e^{-F x_i}, so between jumps the compensator is Lambda = Lambda_j + log Z_N(F_j) - log Z_N(F).
// N(t) = Pi(Lambda(t)) with the noise's own unit-rate Pi: each next arrival is met by solving for F (Newton, bracketed),
// which gives mu(1) = (beta1 + N(1))/(beta2 + F(1)) of the exact jump process driven by the same Pi as every grid.
Batch exact_jump_reference(const GammaPoissonProcess& p, const Atoms& a, const check::TimeChangePoissonNoise& noise,
                           Index n, int threads) {
  const double F1 = p.schedule->F(1.0);
  auto log_z = [&a](double N, double F) {
    double m = -INFINITY, t[3];
    for (int i = 0; i < 3; ++i) m = std::max(m, t[i] = std::log(a.w[i]) + N * std::log(a.x[i]) - F * a.x[i]);
    double s = 0;
    for (double v : t) s += std::exp(v - m);
    return m + std::log(s);
  };
  auto g = [&a](double N, double F) {
    double m = -INFINITY, t[3];
    for (int i = 0; i < 3; ++i) m = std::max(m, t[i] = std::log(a.w[i]) + N * std::log(a.x[i]) - F * a.x[i]);
    double s = 0, sx = 0;
    for (int i = 0; i < 3; ++i) {
      s += std::exp(t[i] - m);
      sx += a.x[i] * std::exp(t[i] - m);
    }
    return sx / s;
  };
  Batch out(1, n);
  check::parallel_paths(n, threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      double N = 0, F = 0, lambda = 0, next = noise.arrival_gap(j, 0, 0);
      for (std::uint32_t k = 0;;) {
        const double need = next - lambda;  // compensator still to go before the next jump
        if (log_z(N, F) - log_z(N, F1) < need) break;
        double lo = F, hi = F1, x = F + need / g(N, F);
        for (int it = 0; it < 200; ++it) {
          if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
          const double r = log_z(N, F) - log_z(N, x) - need;
          if (std::abs(r) < 1e-13 * (1 + need)) break;
          (r < 0 ? lo : hi) = x;
          x -= r / g(N, x);
        }
        F = x;
        lambda = next;
        N += 1;
        next += noise.arrival_gap(j, 0, ++k);
      }
      out(0, j) = p.posterior_mean(N, F1);
    }
  });
  return out;
}

}  // namespace

namespace check {

namespace {

CheckOutcome order_outcome(const std::vector<double>& h, const std::vector<double>& e, const std::vector<double>& se,
                           double declared, const std::string& kind, CheckOutcome out, const PTests* ref_tests) {
  const auto fit = check::fit_order(h, e, declared);
  nlohmann::json pts = nlohmann::json::array();
  for (size_t i = 0; i < h.size(); ++i) pts.push_back({{"h", h[i]}, {"error", e[i]}, {"se", se[i]}});
  out.details["ladder"] = pts;
  out.details["fit"] = fit.json();
  out.details["declared_" + kind + "_order"] = declared;
  out.pass = fit.pass;
  out.statistic = fmt::format("slope {} +- {}", check::num(fit.fit.slope), check::num(fit.fit.slope_se, 2));
  if (ref_tests) {
    out.details["reference_vs_exact_law"] = ref_tests->json();
    out.pass = out.pass && ref_tests->pass();
    out.statistic += fmt::format(", ref p {}", check::num(ref_tests->corrected(), 2));
  }
  out.tolerance = fmt::format("[{}, {}] (declared {})", fit.low, fit.high, declared);
  return out;
}

}  // namespace

// Strong: RMS over paths and coordinates of X_h(1) - X_ref(1); the reference is the same solver on 2^-K unless given.
CheckOutcome strong_ladder(const Ladder& l, const RunGrid& run, double declared, CheckOutcome out,
                           const Batch* exact_ref) {
  const Batch ref = exact_ref ? *exact_ref : run(1 << l.fine_log2);
  std::vector<double> h, e, se;
  for (int m : l.coarse_log2) {
    const Batch xh = run(1 << m);
    std::vector<double> sq(static_cast<size_t>(xh.cols()));
    for (Index j = 0; j < xh.cols(); ++j) sq[static_cast<size_t>(j)] = (xh.col(j) - ref.col(j)).square().sum();
    const auto ms = check::mean_se(sq);
    const double rms = std::sqrt(ms.mean);
    h.push_back(std::ldexp(1.0, -m));
    e.push_back(rms);
    se.push_back(rms > 0 ? ms.se / (2 * rms) : 0.0);
  }
  if (exact_ref)
    out.details["reference"] = "exact jump process driven by the same unit Poisson process";
  else
    out.details["fine_steps"] = 1 << l.fine_log2;
  return order_outcome(h, e, se, declared, "strong", std::move(out), nullptr);
}

// Weak: |mean phi(X_h) - phi(X_ref)| for phi = phis[use]; all phis recorded. The reference is tested against the
// exact law: z = (mean phi(X_ref) - E phi) / se for every phi.
CheckOutcome weak_ladder(const Ladder& l, const RunGrid& run, double declared, int use,
                         const std::function<double(int)>& exact, CheckOutcome out) {
  const Batch ref = run(1 << l.fine_log2);
  const Index n = ref.cols();
  PTests ref_tests;
  for (int k = 0; k < kPhis; ++k) {
    std::vector<double> v(static_cast<size_t>(n));
    for (Index j = 0; j < n; ++j) v[static_cast<size_t>(j)] = phi(k, ref(0, j));
    const auto ms = check::mean_se(v);
    ref_tests.add(fmt::format("E phi{} at t=1", k + 1), check::z_p_value((ms.mean - exact(k)) / ms.se));
  }
  std::vector<double> h, e, se;
  nlohmann::json all = nlohmann::json::array();
  for (int m : l.coarse_log2) {
    const Batch xh = run(1 << m);
    nlohmann::json row = {{"h", std::ldexp(1.0, -m)}};
    for (int k = 0; k < kPhis; ++k) {
      std::vector<double> d(static_cast<size_t>(n));
      for (Index j = 0; j < n; ++j) d[static_cast<size_t>(j)] = phi(k, xh(0, j)) - phi(k, ref(0, j));
      const auto ms = check::mean_se(d);
      row[fmt::format("phi{}", k + 1)] = {ms.mean, ms.se};
      if (k == use) {
        h.push_back(std::ldexp(1.0, -m));
        e.push_back(std::abs(ms.mean));
        se.push_back(ms.se);
      }
    }
    all.push_back(row);
  }
  out.details["all_test_functions"] = all;
  out.details["phi"] = fmt::format("phi{} (phi1 = mu, phi2 = mu^2, phi3 = cos mu)", use + 1);
  out.details["fine_steps"] = 1 << l.fine_log2;
  bool resolved = true;
  for (size_t i = 0; i < e.size(); ++i) resolved = resolved && e[i] > 3 * se[i];
  out.details["errors_resolved"] = resolved;  // each weak error above 3 standard errors
  auto o = order_outcome(h, e, se, declared, "weak", std::move(out), &ref_tests);
  o.pass = o.pass && resolved;
  if (!o.pass && !resolved) o.statistic += " (noise-level errors)";
  o.tolerance += ", errors > 3 se";
  return o;
}

}  // namespace check

namespace {

using check::Ladder;
using check::RunGrid;

Ladder ladder(const CheckContext& ctx, int quick_fine, int full_fine, int first, int last_gap) {
  Ladder l;
  l.fine_log2 = ctx.size(quick_fine, full_fine);
  for (int m = first; m <= l.fine_log2 - last_gap; ++m) l.coarse_log2.push_back(m);
  return l;
}

template <class Stepper, class Process>
RunGrid runner(const Process& p, const Predictor& pred, const NoiseSource& noise, Index n, int threads) {
  return [&p, &pred, &noise, n, threads](int steps) {
    IntegrateOptions opt;
    opt.grid = check::uniform_grid(steps);
    opt.threads = threads;
    return integrate(Stepper{}, p, pred, noise, n, opt).final;
  };
}

template <class Stepper>
CheckOutcome strong_order_normal(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(1000, 4000);
  const auto p = normal_process();
  const GivenX given(builtin_oracle(p, "atoms3")->sample(n, ctx.seed));
  const Ladder l = ladder(ctx, 10, 12, 2, 3);
  const check::NestedBrownianNoise noise(ctx.seed, l.fine_log2);
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["schedule"] = p.schedule->describe();
  out.details["predictor"] = "given x (atoms3)";
  return check::strong_ladder(l, runner<Stepper>(p, given, noise, n, ctx.threads), solver_orders("normal", Stepper::kName).strong,
                       std::move(out));
}

template <class Stepper>
CheckOutcome weak_order_normal(const CheckContext& ctx) {
  const double declared = solver_orders("normal", Stepper::kName).weak;
  const Index n = declared >= 2 ? ctx.size<Index>(20000, 80000) : ctx.size<Index>(10000, 40000);
  // Order 2: h = 1/8 .. 1/32 (quick) or 1/64 (full), more paths (finer errors hit the noise of the coupled estimate);
  // order 1: h = 1/4 .. 2^-6 (quick) or 2^-7 (full). Coarser grids are pre-asymptotic (error ratios per halving of 3.3
  // and 1.7 at h = 1/2).
  const auto p = normal_process();
  const auto oracle = normal_weak_oracle(p);
  const Ladder l = declared >= 2 ? ladder(ctx, 10, 11, 3, 5) : ladder(ctx, 10, 11, 2, 4);
  const check::NestedBrownianNoise noise(ctx.seed, l.fine_log2);
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["schedule"] = p.schedule->describe();
  out.details["predictor"] = oracle->describe() + ": 0.3 N(-1, 1) + 0.7 N(1.5, 1)";
  return check::weak_ladder(l, runner<Stepper>(p, *oracle, noise, n, ctx.threads), declared, kNormalPhi,
                     [&p](int k) { return normal_exact_moment(p, k); }, std::move(out));
}

template <class Stepper>
CheckOutcome strong_order_gamma_poisson(const CheckContext& ctx) {
  // Few jumps per path (F(1) = 2, N(1) ~ 1, 4 or 10) so that the RMS error is in its asymptotic regime (one extra
  // jump per differing path, RMS ~ sqrt(P(differ)) ~ h^{1/2}) from h = 1/8 on; with f = e^{3t} and counts3 the
  // slope is still ~0.7 at h = 2^-9 (several extra jumps after a first difference).
  const Index n = ctx.size<Index>(8000, 32000);
  auto p = gamma_poisson_process();
  p.schedule = constant_schedule(2.0);
  const Atoms atoms = kStrongAtoms;
  const auto oracle = atoms_oracle(p, atoms);
  Ladder l;
  for (int m = 3; m <= ctx.size(8, 10); ++m) l.coarse_log2.push_back(m);
  const check::TimeChangePoissonNoise noise(ctx.seed, n, 1);
  const Batch exact = exact_jump_reference(p, atoms, noise, n, ctx.threads);
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["schedule"] = p.schedule->describe();
  out.details["predictor"] = oracle->describe() + ": 0.3 d(0.5) + 0.4 d(2) + 0.3 d(5), intensity depends on the state";
  return check::strong_ladder(l, runner<Stepper>(p, *oracle, noise, n, ctx.threads), solver_orders("gamma-poisson", Stepper::kName).strong,
                       std::move(out), &exact);
}

template <class Stepper>
CheckOutcome weak_order_gamma_poisson(const CheckContext& ctx) {
  const Index n = ctx.size<Index>(10000, 40000);
  const auto p = gamma_poisson_process();
  const auto oracle = atoms_oracle(p, kCounts3);
  const Ladder l = ladder(ctx, 10, 11, 2, 4);
  const check::TimeChangePoissonNoise noise(ctx.seed, n, 1);
  CheckOutcome out;
  out.details["paths"] = n;
  out.details["schedule"] = p.schedule->describe();
  out.details["predictor"] = oracle->describe() + " (counts3)";
  if constexpr (std::is_same_v<Stepper, TauLeapMidpoint>) {
    // The midpoint at a Poisson half-step count (issue 16) has errors in E cos mu(1) at noise level from h = 1/8 on,
    // so the ladder cannot resolve them; E mu(1) it resolves on h = 1/4 .. 1/16, where the errors fall faster than h
    // (0.10, 0.037, 0.010 at seed 0: slope ~1.7, pre-asymptotic; weak order 2 is plausible but not established).
    // The check asks for what is declared, weak order >= 1: slope >= 0.8 with every error above 3 se.
    // h = 1/4 .. 1/16 in both modes: at 1/32 (full mode's finer reference would add it) the error is below 3 se
    // even at 40,000 paths (measured 0.0027 +- 0.00095).
    Ladder lm = ladder(ctx, 10, 11, 2, 6);
    lm.coarse_log2 = {2, 3, 4};
    auto o = check::weak_ladder(lm, runner<Stepper>(p, *oracle, noise, n, ctx.threads),
                                solver_orders("gamma-poisson", Stepper::kName).weak, 0,
                                [&p](int k) { return gamma_poisson_exact_moment(p, k); }, std::move(out));
    const double slope = o.details["fit"]["slope"].template get<double>();
    const bool resolved = o.details["errors_resolved"].template get<bool>();
    const double ref_p = o.details["reference_vs_exact_law"]["bonferroni_p"].template get<double>();
    o.pass = slope >= 0.8 && resolved && ref_p >= 1e-3;
    o.tolerance = ">= 0.8 (declared >= 1), errors > 3 se, ref p >= 1e-3";
    return o;
  }
  return check::weak_ladder(l, runner<Stepper>(p, *oracle, noise, n, ctx.threads), solver_orders("gamma-poisson", Stepper::kName).weak, kPoissonPhi,
                     [&p](int k) { return gamma_poisson_exact_moment(p, k); }, std::move(out));
}

// The order checks of one registered pair, when its process has a ladder: the Normal ladders (nested Brownian
// grids, exact mixture moments) and the Gamma-Poisson ladders (time-changed Poisson coupling, exact moments).
// A process without a ladder (inverse-gamma-gamma: a nested Gamma-subordinator coupling is not written) gets none.
template <class Stepper>
void add_order_checks(const SolverEntry& e, std::vector<CheckSpec>& strong, std::vector<CheckSpec>& weak) {
  if (e.solver != Stepper::kName) return;
  const std::string sn = "Normal given x (atoms3), f = e^{3t}, nested Brownian grids: RMS error at t = 1, slope ~ declared strong order";
  const std::string sg = "Gamma-Poisson with a 3-atom oracle (0.5, 2, 5), f = 2, counts from one time-changed unit Poisson "
                         "process, against the exact jump process on the same one: RMS error at t = 1, slope ~ declared";
  const std::string wn = "Normal with a 2-Gaussian oracle drift, f = e^{3t}, nested Brownian grids: weak error of E mu(1)^2 "
                         "(coupled differences), slope ~ declared weak order; finest grid matches the exact law";
  const std::string wg = "Gamma-Poisson with the counts3 oracle, f = e^{3t}, time-changed Poisson coupling: weak error of "
                         "E cos mu(1), slope ~ declared weak order; finest grid matches the exact law";
  if constexpr (Stepper::template fits<NormalLaw>()) {
    if (e.process == NormalLaw::kName) {
      strong.push_back({"orders.strong.normal." + e.solver, "strong order (RMS), given x", sn, strong_order_normal<Stepper>});
      weak.push_back({"orders.weak.normal." + e.solver, "weak order, oracle drift", wn, weak_order_normal<Stepper>});
    }
  }
  if constexpr (Stepper::template fits<GammaPoissonLaw>()) {
    if (e.process == GammaPoissonLaw::kName) {
      strong.push_back({"orders.strong.gamma-poisson." + e.solver, "strong order (RMS), oracle", sg,
                        strong_order_gamma_poisson<Stepper>});
      weak.push_back({"orders.weak.gamma-poisson." + e.solver, "weak order, oracle drift", wg,
                      weak_order_gamma_poisson<Stepper>});
    }
  }
}

}  // namespace

// Generated from the registry: every SDE pair that converges to its process's law, with the orders it declares.
std::vector<CheckSpec> order_checks() {
  std::vector<CheckSpec> strong, weak;
  for (const auto& e : solver_registry()) {
    if (e.family != SolverFamily::kSde || !e.orders.converges) continue;
    std::apply([&](auto... s) { (add_order_checks<decltype(s)>(e, strong, weak), ...); }, SdeSolvers{});
  }
  strong.insert(strong.end(), weak.begin(), weak.end());
  return strong;
}

}  // namespace pmm
