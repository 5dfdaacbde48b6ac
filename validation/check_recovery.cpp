// Target recovery with oracle predictors (every gap is solver error): samples mu(1) of a finite target sum_k w_k
// delta(x_k) sit at the centres m_k of the exact law given x_k (Normal c(F1) x_k; Gamma-Poisson (beta1 + x_k F1)/(beta2 + F1);
// Inverse-Gamma-Gamma (beta2 + x_k F1)/(beta1 + F1 - 1)) with spread sqrt(v_k(1)); atom weights by chi-square, spread by
// (mu - m_k)/sqrt(v_k) ~ (0, 1); the total variation of the weights falls with steps.
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/markov_chain.hpp>
#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/solvers/masked_sampler.hpp>
#include <pmm/solvers/registry.hpp>
#include "validation/check_solve.hpp"
#include "validation/check_support.hpp"
#include "validation/checks.hpp"
#include "validation/metric_atoms.hpp"

namespace pmm {
namespace {

using check::PTests;

struct FiniteTarget {
  std::vector<double> centre, sd, weight;
};

// Nearest-centre assignment of 1-D samples to the target's atoms (counts, chi-square, TV).
auto assign_to_target(const Batch& samples, const FiniteTarget& t) {
  const Index K = static_cast<Index>(t.centre.size());
  Batch atoms(1, K);
  Eigen::VectorXd w(K);
  for (Index k = 0; k < K; ++k) {
    atoms(0, k) = t.centre[static_cast<size_t>(k)];
    w[k] = t.weight[static_cast<size_t>(k)];
  }
  return assign_to_atoms(samples, atoms, w);
}

// Chi-square of the nearest-centre counts and the spread of each atom's residuals; returns the TV.
double finite_target_tests(const Batch& samples, const FiniteTarget& t, PTests* tests, nlohmann::json* j) {
  const Index K = static_cast<Index>(t.centre.size());
  const auto a = assign_to_target(samples, t);
  if (!tests) return a.total_variation;
  tests->add("atom weights (chi-square)", a.chi_square_valid ? a.chi_square.p_value : 0.0);
  nlohmann::json per = nlohmann::json::array();
  for (Index k = 0; k < K; ++k) {
    std::vector<double> r;
    for (Index i = 0; i < samples.cols(); ++i)
      if (a.nearest[static_cast<size_t>(i)] == k)
        r.push_back((samples(0, i) - t.centre[static_cast<size_t>(k)]) / t.sd[static_cast<size_t>(k)]);
    nlohmann::json pk = {{"centre", t.centre[static_cast<size_t>(k)]}, {"sd", t.sd[static_cast<size_t>(k)]},
                         {"weight", t.weight[static_cast<size_t>(k)]}, {"observed_weight", a.weights[k]}};
    if (t.sd[static_cast<size_t>(k)] == 0) {
      // A point mass (Gamma-Poisson atom x = 0: N stays 0, mu(1) = beta1/(beta2 + F1) exactly): residuals are 0/0.
      bool exact = !r.empty();
      for (Index i = 0; i < samples.cols(); ++i)
        if (a.nearest[static_cast<size_t>(i)] == k) exact = exact && samples(0, i) == t.centre[static_cast<size_t>(k)];
      tests->add(fmt::format("atom {} exact", k), exact ? 1.0 : 0.0);
    } else if (r.size() >= 2) {
      const auto st = check::standardised_test(r);
      tests->add(fmt::format("atom {} centre", k), st.mean_p);
      tests->add(fmt::format("atom {} spread", k), st.variance_p);
      pk["spread_ratio"] = std::sqrt(st.variance);
      pk["residuals"] = st.json();
    } else {
      tests->add(fmt::format("atom {} present", k), 0.0);
    }
    per.push_back(pk);
  }
  (*j)["atoms"] = per;
  (*j)["chi_square"] = {{"statistic", a.chi_square.statistic}, {"df", a.chi_square.df}, {"p", a.chi_square.p_value}};
  (*j)["total_variation"] = a.total_variation;
  return a.total_variation;
}

// The atom weights alone (chi-square) at p >= 1e-3: "already at the noise floor" for the TV ladder.
bool weights_pass(const Batch& samples, const FiniteTarget& t) {
  const auto a = assign_to_target(samples, t);
  return a.chi_square_valid && a.chi_square.p_value >= check::kMinP;
}

struct Ladder {
  std::vector<int> steps;  // error ladder, ascending
  int final_steps;
};

CheckOutcome recovery_outcome(const std::vector<int>& ladder, const std::vector<double>& tv, double tv_final,
                              bool first_passes, const PTests& tests, CheckOutcome out) {
  nlohmann::json lj = nlohmann::json::array();
  for (size_t i = 0; i < ladder.size(); ++i) lj.push_back({{"steps", ladder[i]}, {"total_variation", tv[i]}});
  out.details["tv_ladder"] = lj;
  const bool shrinks = ladder.empty() || tv.front() > tv_final || first_passes;
  out.details["error_shrinks"] = shrinks;
  out.details["tests"] = tests.json();
  out.pass = tests.pass() && shrinks;
  std::string lad;
  for (double v : tv) lad += (lad.empty() ? "" : "/") + check::num(v, 2);
  out.statistic = fmt::format("p {} ({}), TV {}{}", check::num(tests.corrected(), 2), tests.worst(), check::num(tv_final, 2),
                              lad.empty() ? "" : ", ladder " + lad);
  out.tolerance = "Bonferroni p >= 1e-3, TV falls";
  return out;
}

// One solver on a one-dimensional finite target: final run at ladder.final_steps, TV at each ladder step.
CheckOutcome recover_finite(const CheckContext& ctx, const AnyProcess& process, const std::string& solver,
                            const Predictor& oracle, const FiniteTarget& target, const Ladder& ladder, Index n,
                            CheckOutcome out) {
  auto run = [&](int steps) {
    IntegrateOptions opt;
    opt.grid = check::uniform_grid(steps);
    opt.threads = ctx.threads;
    return check_solve(ctx, process, solver, oracle, ctx.seed + static_cast<std::uint64_t>(steps), n, opt).final;
  };
  PTests tests;
  const double tv_final = finite_target_tests(run(ladder.final_steps), target, &tests, &out.details);
  std::vector<double> tv;
  bool first_passes = false;
  for (size_t i = 0; i < ladder.steps.size(); ++i) {
    const Batch s = run(ladder.steps[i]);
    tv.push_back(finite_target_tests(s, target, nullptr, nullptr));
    if (i == 0) first_passes = weights_pass(s, target);
  }
  out.details["paths"] = n;
  out.details["final_steps"] = ladder.final_steps;
  out.details["solver"] = solver;
  return recovery_outcome(ladder.steps, tv, tv_final, first_passes, tests, std::move(out));
}

CheckOutcome recovery_normal(const CheckContext& ctx, const std::string& solver, int quick_steps, int full_steps) {
  NormalProcess p;
  p.b = 2.0;
  p.schedule = exponential_schedule();
  const double F1 = p.schedule->F(1.0);
  FiniteTarget t;
  for (double x : {-1.0, 0.5, 2.0}) {
    t.centre.push_back(p.c(F1) * x);
    t.sd.push_back(std::sqrt(p.v(F1)));
  }
  t.weight = {0.2, 0.5, 0.3};
  CheckOutcome out;
  out.details["target"] = "atoms3: 0.2 d(-1) + 0.5 d(0.5) + 0.3 d(2), paper schedule, uniform grid";
  return recover_finite(ctx, p, solver, *builtin_oracle(p, "atoms3"), t, {{10, 30, 100}, ctx.size(quick_steps, full_steps)},
                        ctx.size<Index>(10000, 40000), std::move(out));
}

CheckOutcome recovery_gamma_poisson(const CheckContext& ctx, const std::string& solver, int quick_steps, int full_steps) {
  GammaPoissonProcess p;
  p.schedule = exponential_schedule();
  const double F1 = p.schedule->F(1.0);
  FiniteTarget t;
  for (double x : {1.0, 4.0, 10.0}) {
    t.centre.push_back((p.beta1 + x * F1) / (p.beta2 + F1));
    t.sd.push_back(std::sqrt(x * F1) / (p.beta2 + F1));
  }
  t.weight = {0.3, 0.4, 0.3};
  CheckOutcome out;
  out.details["target"] = "counts3: 0.3 d(1) + 0.4 d(4) + 0.3 d(10), paper schedule, uniform grid";
  return recover_finite(ctx, p, solver, *builtin_oracle(p, "counts3"), t, {{10, 30, 100}, ctx.size(quick_steps, full_steps)},
                        ctx.size<Index>(10000, 40000), std::move(out));
}

// A Gamma-Poisson finite target 0.3 d(a) + 0.4 d(b) + 0.3 d(c) (paper schedule): where mu(1) lands for each
// atom (centre (beta1 + x F1)/(beta2 + F1), spread sqrt(x F1)/(beta2 + F1)) and its finite-set oracle.
struct GammaPoissonAtoms {
  GammaPoissonProcess p;
  FiniteTarget target;
  OraclePtr oracle;
};
GammaPoissonAtoms gamma_poisson_atoms(double a, double b, double c) {
  GammaPoissonAtoms g;
  g.p.schedule = exponential_schedule();
  const double F1 = g.p.schedule->F(1.0);
  Batch pts(1, 3);
  pts << a, b, c;
  Eigen::VectorXd w(3);
  w << 0.3, 0.4, 0.3;
  for (Index k = 0; k < 3; ++k) {
    g.target.centre.push_back((g.p.beta1 + pts(0, k) * F1) / (g.p.beta2 + F1));
    g.target.sd.push_back(std::sqrt(pts(0, k) * F1) / (g.p.beta2 + F1));
  }
  g.target.weight = {0.3, 0.4, 0.3};
  g.oracle = finite_set_oracle(g.p, pts, w);
  return g;
}

// Count data with zeros: atoms {0, 2, 5}. An atom with x = 0 is excluded by the oracle as soon as a path's count is
// positive, so a midpoint evaluated at a fractional count (the old tau-leap-midpoint) starved it (0.047 for 0.3).
CheckOutcome recovery_gamma_poisson_zeros(const CheckContext& ctx, const std::string& solver, int quick_steps,
                                          int full_steps) {
  const auto g = gamma_poisson_atoms(0.0, 2.0, 5.0);
  CheckOutcome out;
  out.details["target"] = "0.3 d(0) + 0.4 d(2) + 0.3 d(5), paper schedule, uniform grid";
  return recover_finite(ctx, g.p, solver, *g.oracle, g.target, {{10, 30, 100}, ctx.size(quick_steps, full_steps)},
                        ctx.size<Index>(10000, 40000), std::move(out));
}

CheckOutcome recovery_inverse_gamma_gamma(const CheckContext& ctx, const std::string& solver, int quick_steps,
                                          int full_steps) {
  InverseGammaGammaProcess p;
  p.beta1 = 2.0;
  p.beta2 = 1.0;
  p.schedule = exponential_schedule();
  const double F1 = p.schedule->F(1.0);
  FiniteTarget t;
  Batch pts(1, 3);
  pts << 0.5, 2.0, 5.0;
  Eigen::VectorXd w(3);
  w << 0.3, 0.4, 0.3;
  for (Index k = 0; k < 3; ++k) {
    t.centre.push_back((p.beta2 + pts(0, k) * F1) / p.denominator(F1));
    t.sd.push_back(pts(0, k) * std::sqrt(F1) / p.denominator(F1));
  }
  t.weight = {0.3, 0.4, 0.3};
  const auto oracle = finite_set_oracle(p, pts, w);
  CheckOutcome out;
  out.details["target"] = "0.3 d(0.5) + 0.4 d(2) + 0.3 d(5), beta1 = 2, beta2 = 1, paper schedule";
  // Diagnosis, not part of the verdict: the same grid with y ~ Gamma(alpha, scale x~), x~ drawn from the posterior
  // over the atoms (the posterior predictive, which the posterior mean does not determine because the Gamma law is
  // not linear in its scale).
  const int steps = ctx.size(quick_steps, full_steps);
  const Index n = ctx.size<Index>(10000, 40000);
  Batch pred(1, n);
  check::parallel_paths(n, ctx.threads, [&](Index b, Index e) {
    for (Index j = b; j < e; ++j) {
      double mu = p.initial_mean(), Y = 0, A = 0;
      for (int s = 0; s < steps; ++s) {
        const double t0 = static_cast<double>(s) / steps, alpha = p.schedule->F((s + 1.0) / steps) - p.schedule->F(t0);
        double logit[3], m = -INFINITY, total = 0;
        for (int k = 0; k < 3; ++k) m = std::max(m, logit[k] = std::log(w[k]) - Y / pts(0, k) - A * std::log(pts(0, k)));
        for (double& l : logit) total += l = std::exp(l - m);
        auto u = check::draws(ctx.seed, j, static_cast<std::uint32_t>(s), check::kCheckGamma);
        double pick = u.next() * total;
        int k = 0;
        while (k < 2 && pick > logit[k]) pick -= logit[k++];
        const double y = pts(0, k) * gamma_draw(u, alpha);
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        Y += y;
      }
      pred(0, j) = mu;
    }
  });
  {
    PTests tp;
    nlohmann::json jp;
    finite_target_tests(pred, t, &tp, &jp);
    out.details["diagnosis_posterior_predictive_step"] = {{"total_variation", jp["total_variation"]},
                                                          {"chi_square", jp["chi_square"]},
                                                          {"bonferroni_p", tp.corrected()}};
  }
  auto o = recover_finite(ctx, p, solver, *oracle, t, {{10, 30, 100}, steps}, n, std::move(out));
  // Verdict (a documented limitation, see docs/theory.md): plugging the posterior mean into the Gamma step is
  // biased at any step size, while the posterior-predictive step recovers the target. PASS when both hold:
  // the predictive step passes the recovery tests and the plug-in's TV exceeds 0.03 (the quick size resolves
  // TV ~ 0.01). Should the plug-in ever recover the target, this check fails and the docs must be revisited.
  const double tv_plugin = o.details["total_variation"].is_number() ? o.details["total_variation"].get<double>() : 0.0;
  const double tv_pred = o.details["diagnosis_posterior_predictive_step"]["total_variation"].get<double>();
  const double p_pred = o.details["diagnosis_posterior_predictive_step"]["bonferroni_p"].get<double>();
  o.details["mean_plugin_recovers_target"] = o.pass;
  o.pass = p_pred >= 1e-3 && tv_plugin > 0.03;
  o.statistic = "mean plug-in TV " + check::num(tv_plugin, 2) + "; posterior-predictive TV " + check::num(tv_pred, 2) +
                " (p " + check::num(p_pred, 2) + ")";
  o.tolerance = "plug-in TV > 0.03 and predictive p >= 1e-3";
  return o;
}

// Euler-Maruyama on Gamma-Poisson steps the diffusion approximation dmu = f (x - mu)/(beta2 + F) dt
// + sqrt(f x)/(beta2 + F) dW of the jump process; its law at t = 1 is not the jump process's, at any step size
// (issue 16, item 3: atoms {0.5, 2, 5} gave 0.275/0.394/0.331 for 0.3/0.4/0.3 at both 500 and 2,000 steps). A
// documented limitation (--help, the report's converges_to_process_law = false, docs/solvers.md). PASS when the
// limitation is still there and the jump solver is not to blame: the EM weights fail the chi-square at the finer
// grid (p < 1e-3) and its TV does not shrink by half from the coarse to the fine grid, while tau-leaping on the
// same grid, target and paths passes. Should EM ever recover the law, this check fails and the docs must change.
CheckOutcome limitation_gamma_poisson_euler_maruyama(const CheckContext& ctx, int quick_steps, int full_steps) {
  const auto g = gamma_poisson_atoms(0.5, 2.0, 5.0);
  const GammaPoissonProcess& p = g.p;
  const FiniteTarget& t = g.target;
  const auto& oracle = g.oracle;
  const Index n = ctx.size<Index>(20000, 40000);
  const int fine = ctx.size(quick_steps, full_steps), coarse = fine / 4;
  auto run = [&](const std::string& solver, int steps) {
    IntegrateOptions opt;
    opt.grid = check::uniform_grid(steps);
    opt.threads = ctx.threads;
    const Batch s = check_solve(ctx, AnyProcess{p}, solver, *oracle, ctx.seed + static_cast<std::uint64_t>(steps), n, opt).final;
    return assign_to_target(s, t);
  };
  const auto em_coarse = run("euler-maruyama", coarse), em_fine = run("euler-maruyama", fine);
  const auto tau = run("tau-leap", fine);
  const double p_em = em_fine.chi_square_valid ? em_fine.chi_square.p_value : 1.0;
  const double p_tau = tau.chi_square_valid ? tau.chi_square.p_value : 0.0;
  CheckOutcome out;
  auto weights = [](const auto& a) { return std::vector<double>(a.weights.data(), a.weights.data() + a.weights.size()); };
  out.details["target"] = "0.3 d(0.5) + 0.4 d(2) + 0.3 d(5), finite-set oracle, paper schedule, uniform grid";
  out.details["paths"] = n;
  out.details["euler_maruyama"] = {{"steps", {coarse, fine}},
                                   {"total_variation", {em_coarse.total_variation, em_fine.total_variation}},
                                   {"weights_fine", weights(em_fine)},
                                   {"chi_square_p_fine", p_em}};
  out.details["tau_leap"] = {{"steps", fine}, {"total_variation", tau.total_variation}, {"weights", weights(tau)},
                             {"chi_square_p", p_tau}};
  const bool em_wrong = p_em < check::kMinP;
  const bool em_stuck = em_fine.total_variation > 0.5 * em_coarse.total_variation;
  out.pass = em_wrong && em_stuck && p_tau >= check::kMinP;
  out.statistic = fmt::format("EM TV {}/{} at {}/{} steps (p {}); tau-leap TV {} (p {})",
                              check::num(em_coarse.total_variation, 2), check::num(em_fine.total_variation, 2), coarse,
                              fine, check::num(p_em, 2), check::num(tau.total_variation, 2), check::num(p_tau, 2));
  out.tolerance = "EM p < 1e-3, EM TV fine > TV coarse / 2, tau-leap p >= 1e-3";
  return out;
}

// Dirichlet-Categorical: a 3-token Markov chain over 4 positions (81 sequences), paper's linear text schedule.
CheckOutcome recovery_dirichlet_categorical(const CheckContext& ctx, const std::string& solver, int quick_steps,
                                            int full_steps) {
  const int V = 3, C = 4, S = 81;
  Eigen::MatrixXd P(3, 3);
  P << 0.80, 0.15, 0.05, 0.10, 0.60, 0.30, 0.30, 0.20, 0.50;
  const MarkovChain chain = markov_chain(P);
  const auto oracle = markov_chain_oracle(chain, C);
  const auto p = dirichlet_categorical_process(V, C, paper_text_linear_schedule());
  std::vector<double> prob(S);
  for (int s = 0; s < S; ++s) {
    int seq[4], v = s;
    for (int c = 0; c < C; ++c, v /= V) seq[c] = v % V;
    prob[static_cast<size_t>(s)] = std::exp(sequence_log_probability(chain, seq, C));
  }
  const Index n = ctx.size<Index>(20000, 100000);
  const MaskedSolver ms = parse_masked_solver(solver, "recovery solver");
  auto counts_of = [&](int steps) {
    MaskedOptions opt;
    opt.solver = ms;
    if (ms == MaskedSolver::kFixedGrid) opt.grid = check::uniform_grid(steps);
    opt.threads = ctx.threads;
    opt.seed = ctx.seed + static_cast<std::uint64_t>(steps);
    const auto r = run_masked(p, *oracle, n, opt);
    std::vector<std::int64_t> counts(S, 0);
    for (Index j = 0; j < n; ++j) {
      int s = 0;
      for (int c = C - 1; c >= 0; --c) s = s * V + r.tokens[static_cast<size_t>(j * C + c)];
      ++counts[static_cast<size_t>(s)];
    }
    return counts;
  };
  auto tv_of = [&](const std::vector<std::int64_t>& counts) {
    double tv = 0;
    for (int s = 0; s < S; ++s) tv += std::abs(static_cast<double>(counts[s]) / n - prob[s]);
    return tv / 2;
  };
  PTests tests;
  const int final_steps = ctx.size(quick_steps, full_steps);
  const auto fin = counts_of(final_steps);
  const auto chi = chi_square_gof(fin, prob);
  tests.add("sequence law (chi-square)", chi.p_value);
  CheckOutcome out;
  out.details["chi_square"] = {{"statistic", chi.statistic}, {"df", chi.df}, {"p", chi.p_value}};
  out.details["paths"] = n;
  out.details["target"] = "Markov chain, V = 3, C = 4 (81 sequences), linear text schedule";
  out.details["solver"] = solver;
  std::vector<int> ladder;
  std::vector<double> tv;
  bool first_passes = false;
  if (ms == MaskedSolver::kFixedGrid) {
    out.details["final_steps"] = final_steps;
    ladder = {2, 8, 32};
    for (size_t i = 0; i < ladder.size(); ++i) {
      const auto c = counts_of(ladder[i]);
      tv.push_back(tv_of(c));
      if (i == 0) first_passes = chi_square_gof(c, prob).p_value >= check::kMinP;
    }
  }
  return recovery_outcome(ladder, tv, tv_of(fin), first_passes, tests, std::move(out));
}

}  // namespace

std::vector<CheckSpec> recovery_checks() {
  using R = std::function<CheckOutcome(const CheckContext&)>;
  auto normal = [](const char* s, int q, int f) -> R { return [=](const CheckContext& c) { return recovery_normal(c, s, q, f); }; };
  auto gp = [](const char* s, int q, int f) -> R { return [=](const CheckContext& c) { return recovery_gamma_poisson(c, s, q, f); }; };
  auto gz = [](const char* s, int q, int f) -> R {
    return [=](const CheckContext& c) { return recovery_gamma_poisson_zeros(c, s, q, f); };
  };
  auto igg = [](const char* s, int q, int f) -> R {
    return [=](const CheckContext& c) { return recovery_inverse_gamma_gamma(c, s, q, f); };
  };
  auto dc = [](const char* s, int q, int f) -> R {
    return [=](const CheckContext& c) { return recovery_dirichlet_categorical(c, s, q, f); };
  };
  const std::string n = "atoms3 oracle (paper schedule): atom weights by chi-square, within-atom spread vs sqrt(v(1)), "
                        "TV at 10/30/100 steps above the final one";
  const std::string g = "counts3 oracle (paper schedule): atom weights by chi-square, within-atom spread vs "
                        "sqrt(x F1)/(beta2 + F1), TV at 10/30/100 steps above the final one";
  const std::string z = "atoms {0, 2, 5} (a zero count), finite-set oracle (paper schedule): atom weights by chi-square, "
                        "the x = 0 atom exactly at beta1/(beta2 + F1), TV at 10/30/100 steps above the final one";
  const std::string i = "3-atom inverse-gamma oracle (paper schedule): atom weights by chi-square, spread vs "
                        "x sqrt(F1)/(beta1 + F1 - 1), TV at 10/30/100 steps above the final one";
  const std::string d = "Markov-chain oracle (V = 3, C = 4, linear text schedule): the 81 sequence frequencies by "
                        "chi-square; fixed grid: TV at 2/8/32 steps above the final one";
  return {
      {"recovery.normal.exact", "atoms3: weights, spread, TV falls", n, normal("exact", 400, 1000)},
      {"recovery.normal.euler-maruyama", "atoms3: weights, spread, TV falls", n, normal("euler-maruyama", 400, 1000)},
      {"recovery.normal.heun", "atoms3: weights, spread, TV falls", n, normal("heun", 100, 200)},
      {"recovery.gamma-poisson.tau-leap", "counts3: weights, spread, TV falls", g, gp("tau-leap", 400, 1000)},
      {"recovery.gamma-poisson.tau-leap-midpoint", "counts3: weights, spread, TV falls", g, gp("tau-leap-midpoint", 200, 500)},
      {"recovery.gamma-poisson.exact", "counts3: weights, spread, TV falls", g, gp("exact", 400, 1000)},
      {"recovery.gamma-poisson.tau-leap.zeros", "atoms {0, 2, 5}: weights, TV falls", z, gz("tau-leap", 400, 1000)},
      {"recovery.gamma-poisson.tau-leap-midpoint.zeros", "atoms {0, 2, 5}: weights, TV falls", z,
       gz("tau-leap-midpoint", 200, 500)},
      {"limitation.gamma-poisson.euler-maruyama", "diffusion approx.: wrong law at any step",
       "atoms {0.5, 2, 5}, finite-set oracle (paper schedule): EM weights by chi-square at N and N/4 steps (must fail "
       "and not shrink), tau-leap at N steps (must pass)",
       [](const CheckContext& c) { return limitation_gamma_poisson_euler_maruyama(c, 2000, 4000); }},
      {"limitation.inverse-gamma-gamma.mean-plugin", "mean plug-in biased, predictive exact", i, igg("exact", 400, 1000)},
      {"recovery.dirichlet-categorical.fixed-grid", "Markov chain: 81 sequence freqs", d, dc("fixed-grid", 200, 1000)},
      {"recovery.dirichlet-categorical.event-driven", "Markov chain: 81 sequence freqs", d, dc("event-driven", 0, 0)},
  };
}

}  // namespace pmm
