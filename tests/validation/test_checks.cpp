// Tests of pmm-validate's machinery: the registry (names, groups, selection errors), the runner (seed per name,
// exceptions become FAIL), the nested noises (coarse increments are sums of fine ones; Poisson counts of one unit-rate
// process are additive over split steps and Poisson-distributed), the acceptance rules (Bonferroni, order band), the
// power of the order fits on deliberately wrong steppers, and thread independence of a real check.
// Statistical assertions run at fixed seeds with p > 1e-3 (pass) or p < 1e-6 (detected error).
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <pmm/models/predictor.hpp>
#include <pmm/core/error.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>
#include "validation/check_noise.hpp"
#include "validation/check_orders.hpp"
#include "validation/check_support.hpp"
#include "validation/checks.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Heun whose corrector keeps the drift rate k = f/(b + F) of t0 (k0 instead of k1 at the predicted point): a local
// error O(k' h^2), so the weak order drops from 2 to 1 while the noise part is unchanged.
struct HeunFrozenRate {
  static constexpr const char* kName = "heun-frozen-rate";
  int step(const pmm::NormalProcess& p, const pmm::Predictor& pred, Batch& mu, Index path0, const pmm::StepInfo& s,
           const pmm::StepCoefficients& c, const pmm::NoiseSource& noise, pmm::Workspace& ws) const {
    pred.predict(mu, c.t0, path0, ws.g);
    noise.normals(s, path0, ws.xi);
    const double sdt = std::sqrt(c.dt);
    const double k0 = c.f0 / (p.b + c.F0), s0 = std::sqrt(c.f0) / (p.b + c.F0), s1 = std::sqrt(c.f1) / (p.b + c.F1);
    ws.tmp = mu + k0 * c.dt * (ws.g - mu) + s0 * sdt * ws.xi;
    pred.predict(ws.tmp, c.t1, path0, ws.g2);
    mu += 0.5 * c.dt * (k0 * (ws.g - mu) + k0 * (ws.g2 - ws.tmp)) + 0.5 * (s0 + s1) * sdt * ws.xi;
    return 2;
  }
};

struct GivenOne {
  pmm::NormalProcess p;
  pmm::GivenX x;
  explicit GivenOne(Index n) : x(Batch::Constant(1, n, 1.0)) {
    p.b = 2.0;
    p.schedule = pmm::exponential_schedule(1.0, 3.0);
  }
  // mu(1) | x = 1 ~ N(c, v): E cos mu = cos(c) e^{-v/2}, E mu = c, E mu^2 = c^2 + v.
  double exact(int k) const {
    const double F = p.schedule->F(1.0), c = p.c(F), v = p.v(F);
    return k == 0 ? c : (k == 1 ? c * c + v : std::cos(c) * std::exp(-v / 2));
  }
};

template <class Stepper>
pmm::check::RunGrid run_normal(const GivenOne& g, const pmm::NoiseSource& noise, Index n) {
  return [&g, &noise, n](int steps) {
    pmm::IntegrateOptions opt;
    opt.grid = pmm::check::uniform_grid(steps);
    return pmm::integrate(Stepper{}, g.p, g.x, noise, n, opt).final;
  };
}

}  // namespace

TEST_CASE("registry: unique names in known groups, each with a short what and a sentence how") {
  const auto& all = pmm::all_checks();
  REQUIRE(all.size() >= 30);
  std::set<std::string> names;
  const std::vector<std::string> groups = {"consistency.", "continuum.", "orders.strong.", "orders.weak.", "pathwise.",
                                           "recovery.", "limitation.", "errata."};
  for (const auto& c : all) {
    CHECK(names.insert(c.name).second);
    CHECK(!c.what.empty());
    CHECK(c.what.size() <= 45);  // fits the table
    CHECK(c.how.size() > c.what.size());
    CHECK(static_cast<bool>(c.run));
    bool known = false;
    for (const auto& g : groups) known = known || starts_with(c.name, g);
    CHECK_MESSAGE(known, c.name);
  }
  for (const auto* n : {"errata.eq32", "errata.eq119-122", "errata.eq149", "errata.eq160", "continuum.normal",
                        "continuum.gamma-poisson", "pathwise.gamma-poisson.count", "pathwise.gamma-poisson.sde",
                        "orders.weak.normal.heun", "orders.strong.gamma-poisson.tau-leap",
                        "orders.weak.gamma-poisson.tau-leap-midpoint", "consistency.dirichlet-categorical"})
    CHECK_MESSAGE(names.count(n) == 1, std::string(n));
}

TEST_CASE("select_checks: all, exact names, group prefixes on a dot boundary, errors name --check") {
  CHECK(pmm::select_checks({}).size() == pmm::all_checks().size());
  const auto weak = pmm::select_checks({"orders.weak"});
  CHECK(weak.size() == 6);
  for (const auto* c : weak) CHECK(starts_with(c->name, "orders.weak."));
  const auto one = pmm::select_checks({"errata.eq32", "errata.eq32", "errata"});
  CHECK(one.size() == 4);  // each once, suite order
  CHECK(one.front()->name == "errata.eq32");
  CHECK_THROWS_WITH_AS(pmm::select_checks({"order"}), doctest::Contains("--check"), pmm::Error);
  CHECK_THROWS_WITH_AS(pmm::select_checks({"nonsense"}), doctest::Contains("nonsense"), pmm::Error);
  CHECK_THROWS_AS(pmm::select_checks({""}), pmm::Error);
}

TEST_CASE("run_check: seed mixed with the name, exceptions become FAIL with the message") {
  std::vector<std::uint64_t> seen;
  const pmm::CheckSpec spec{"test.seed", "seed", "records its seed", [&](const pmm::CheckContext& c) {
                              seen.push_back(c.seed);
                              pmm::CheckOutcome o;
                              o.pass = true;
                              return o;
                            }};
  pmm::CheckContext ctx;
  ctx.seed = 7;
  CHECK(pmm::run_check(spec, ctx).pass);
  pmm::run_check(spec, ctx);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0] == seen[1]);
  CHECK(seen[0] != 7);
  const pmm::CheckSpec other{"test.other", "seed", "records its seed", spec.run};
  pmm::run_check(other, ctx);
  CHECK(seen[2] != seen[0]);

  const pmm::CheckSpec bad{"test.throws", "throws", "throws", [](const pmm::CheckContext&) -> pmm::CheckOutcome {
                             throw pmm::Error("--x: broken");
                           }};
  const auto r = pmm::run_check(bad, ctx);
  CHECK_FALSE(r.pass);
  CHECK(r.error == "--x: broken");
  CHECK(pmm::to_json(r)["error"] == "--x: broken");
}

TEST_CASE("nested Brownian noise: a coarse increment is the normalised sum of the fine ones") {
  const pmm::check::NestedBrownianNoise noise(11, 6);  // 64 cells
  Batch coarse(3, 5);
  const pmm::StepInfo step{1, 4, 0.25, 0.5};  // cells 16 .. 31
  noise.normals(step, 10, coarse);
  for (Index j = 0; j < 5; ++j)
    for (Index d = 0; d < 3; ++d) {
      double s = 0;
      for (std::uint32_t k = 16; k < 32; ++k) s += noise.fine(10 + j, k, d);
      CHECK(coarse(d, j) == doctest::Approx(s / 4.0).epsilon(1e-14));
    }
  // Standard normal across paths: mean and variance tests at a fixed seed.
  Batch many(1, 20000);
  noise.normals(step, 0, many);
  std::vector<double> v(many.data(), many.data() + many.size());
  const auto st = pmm::check::standardised_test(v);
  CHECK(st.mean_p > 1e-3);
  CHECK(st.variance_p > 1e-3);
  Batch b(1, 1);
  CHECK_THROWS_AS(noise.normals(pmm::StepInfo{0, 3, 0.0, 1.0 / 3.0}, 0, b), pmm::Error);
  CHECK_THROWS_AS(noise.poisson(step, 0, 0, 1.0), pmm::Error);
  CHECK_THROWS_AS(pmm::check::NestedBrownianNoise(1, 0), pmm::Error);
}

TEST_CASE("time-change Poisson noise: counts are additive over split steps and Poisson distributed") {
  const Index n = 20000;
  const pmm::check::TimeChangePoissonNoise whole(5, n, 2), split(5, n, 2);
  std::vector<double> counts(static_cast<size_t>(n));
  for (Index j = 0; j < n; ++j) {
    const double a = whole.poisson(pmm::StepInfo{0, 1, 0, 1}, j, 1, 3.0);
    const double b = split.poisson(pmm::StepInfo{0, 2, 0, 0.5}, j, 1, 1.25) +
                     split.poisson(pmm::StepInfo{1, 2, 0.5, 1}, j, 1, 1.75);
    REQUIRE(a == b);
    counts[static_cast<size_t>(j)] = (a - 3.0) / std::sqrt(3.0);
  }
  const auto st = pmm::check::standardised_test(counts);
  CHECK(st.mean_p > 1e-3);
  CHECK(st.variance_p > 1e-3);
  // Step 0 restarts the clock: the same path gives the same first count again.
  CHECK(whole.poisson(pmm::StepInfo{0, 1, 0, 1}, 3, 1, 3.0) == split.poisson(pmm::StepInfo{0, 1, 0, 1}, 3, 1, 3.0));
  Batch b(1, 1);
  CHECK_THROWS_AS(whole.normals(pmm::StepInfo{}, 0, b), pmm::Error);
  CHECK_THROWS_AS(whole.poisson(pmm::StepInfo{}, n, 0, 1.0), pmm::Error);
}

TEST_CASE("acceptance rules: Bonferroni family, order band, standardised tests detect a 5% variance error") {
  pmm::check::PTests t;
  t.add("a", 0.5);
  t.add("b", 4e-4);
  CHECK(t.corrected() == doctest::Approx(8e-4));
  CHECK_FALSE(t.pass());
  CHECK(t.worst() == "b");
  t.add("c", 0.9);
  CHECK(t.corrected() == doctest::Approx(1.2e-3));
  CHECK(t.pass());

  const std::vector<double> h = {0.5, 0.25, 0.125, 0.0625};
  std::vector<double> e;
  for (double v : h) e.push_back(3.0 * v * v);
  auto o = pmm::check::fit_order(h, e, 2.0);
  CHECK(o.fit.slope == doctest::Approx(2.0));
  CHECK(o.pass);
  CHECK_FALSE(pmm::check::fit_order(h, e, 1.0).pass);   // 2 > 1 + 0.25
  CHECK(pmm::check::fit_order(h, e, 2.2).pass);          // 2 >= 2.2 - 0.2
  CHECK_FALSE(pmm::check::fit_order(h, e, 2.25).pass);   // 2 < 2.05
  e[1] = 0;
  CHECK_FALSE(pmm::check::fit_order(h, e, 2.0).pass);

  // n = 20000 draws with sd 1.025 (variance +5%): z ~ 5, detected; sd 1 is accepted.
  const pmm::check::NestedBrownianNoise noise(3, 1);
  Batch x(1, 20000);
  noise.normals(pmm::StepInfo{0, 1, 0, 1}, 0, x);
  std::vector<double> ok(x.data(), x.data() + x.size()), wide = ok;
  for (double& v : wide) v *= 1.025;
  CHECK(pmm::check::standardised_test(ok).variance_p > 1e-3);
  CHECK(pmm::check::standardised_test(wide).variance_p < 1e-5);
}

TEST_CASE("order fits have power: a wrong Heun and uncoupled noise fail, Heun passes") {
  const Index n = 4000;
  const GivenOne g(n);
  const pmm::check::NestedBrownianNoise noise(21, 8);
  pmm::check::Ladder weak;
  weak.fine_log2 = 8;
  weak.coarse_log2 = {1, 2, 3};
  auto exact = [&g](int k) { return g.exact(k); };
  const auto heun = pmm::check::weak_ladder(weak, run_normal<pmm::Heun>(g, noise, n), 2.0, 1, exact, {});
  CHECK_MESSAGE(heun.pass, heun.statistic);
  const auto frozen = pmm::check::weak_ladder(weak, run_normal<HeunFrozenRate>(g, noise, n), 2.0, 1, exact, {});
  CHECK_FALSE_MESSAGE(frozen.pass, frozen.statistic);
  CHECK(frozen.details["fit"]["slope"].get<double>() < 1.5);

  // Strong order with independent noise per grid: the paths do not converge to each other (slope ~ 0).
  const pmm::PhiloxNoise independent(4);
  pmm::check::Ladder strong;
  strong.fine_log2 = 8;
  strong.coarse_log2 = {2, 3, 4, 5};
  const auto uncoupled = pmm::check::strong_ladder(strong, run_normal<pmm::Heun>(g, independent, n), 1.0, {});
  CHECK_FALSE(uncoupled.pass);
  const auto coupled = pmm::check::strong_ladder(strong, run_normal<pmm::Heun>(g, noise, n), 1.0, {});
  CHECK_MESSAGE(coupled.pass, coupled.statistic);
}

TEST_CASE("a real check passes and gives the same numbers for 1 and 2 threads") {
  const auto sel = pmm::select_checks({"errata.eq160", "consistency.normal"});
  REQUIRE(sel.size() == 2);
  for (const auto* spec : sel) {
    pmm::CheckContext one, two;
    one.threads = 1;
    two.threads = 2;
    const auto a = pmm::run_check(*spec, one), b = pmm::run_check(*spec, two);
    const std::string why = spec->name + ": " + a.statistic + " " + a.error;
    CHECK_MESSAGE(a.pass, why);
    CHECK(a.details == b.details);
    CHECK(a.statistic == b.statistic);
  }
}
