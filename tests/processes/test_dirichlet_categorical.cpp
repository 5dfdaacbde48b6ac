// Dirichlet-Categorical process and its per-position schedules: F_c is the exact integral of f_c (checked by
// quadrature), inverse_F inverts F_c, the paper's schedules have the stated values, reveal probabilities compose
// over steps, and bad sizes or token ids are refused with errors naming the argument.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <pmm/processes/dirichlet_categorical.hpp>
#include <pmm/core/error.hpp>
#include <pmm/processes/text_schedules.hpp>

using namespace pmm;

namespace {

// Composite Simpson on [a, b] with n (even) panels: error ~ (b - a) h^4 max|f''''| / 180.
double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4.0 : 2.0) * f(a + i * h);
  return s * h / 3.0;
}

}  // namespace

TEST_CASE("text schedules: F_c is the integral of f_c and inverse_F inverts it") {
  // Smooth schedules: Simpson with 20000 panels on [0, t] has relative error < 1e-9 (the semi-AR sigmoid has
  // width 0.01, so h = 5e-5 resolves it). Staircase: integrate piecewise on each side of the jump at 0.985.
  const int C = 16;
  const std::vector<std::pair<std::string, PositionSchedulePtr>> schedules = {
      {"linear", paper_text_linear_schedule()},
      {"semi-ar", semi_autoregressive_schedule(C)},
      {"exponential", shared_position_schedule(exponential_schedule())}};
  for (const auto& [name, s] : schedules) {
    for (int c : {0, 5, C - 1})
      for (double t : {0.0, 0.1, 0.37, 0.8, 1.0}) {
        CAPTURE(name);
        CAPTURE(c);
        CAPTURE(t);
        const double ref = t == 0 ? 0 : simpson([&](double u) { return s->f(c, u); }, 0, t, 20000);
        CHECK(s->F(c, t) == doctest::Approx(ref).epsilon(1e-9).scale(1.0));
        if (t > 0) {
          const double E = s->F(c, t);
          // F is strictly increasing here, so the inverse returns t up to bisection (or closed-form) round-off.
          CHECK(s->inverse_F(c, E) == doctest::Approx(t).epsilon(1e-9));
        }
      }
    CHECK(std::isinf(s->inverse_F(0, s->F(0, 1.0) * 1.0001 + 1e-9)));
    CHECK(s->inverse_F(3, 0.0) == 0.0);
  }
  auto st = paper_text_staircase_schedule();
  // f is constant on each stair, so a midpoint sum on each side of the jump is exact up to round-off.
  auto midpoint = [&](double a, double b, int n) {
    double s = 0;
    for (int i = 0; i < n; ++i) s += st->f(0, a + (i + 0.5) * (b - a) / n);
    return s * (b - a) / n;
  };
  const double below = midpoint(0, 0.985, 1000), above = midpoint(0.985, 1.0, 1000);
  CHECK(st->F(0, 0.985) == doctest::Approx(below).epsilon(1e-12));
  CHECK(st->F(0, 1.0) == doctest::Approx(below + above).epsilon(1e-12));
  CHECK(st->F(0, 1.0) == doctest::Approx(3.5 * 0.985 + 3.5 * 101 * 0.015).epsilon(1e-12));
  for (double t : {0.3, 0.985, 0.99}) CHECK(st->inverse_F(2, st->F(2, t)) == doctest::Approx(t).epsilon(1e-12));
  // paper's linear text schedule: F(1) = 0.01 (1 + 1000) = 10.01
  CHECK(paper_text_linear_schedule()->F(7, 1.0) == doctest::Approx(10.01).epsilon(1e-14));
}

TEST_CASE("semi-autoregressive schedule: closed form, left-to-right, stable for long sequences") {
  const int C = 1024;
  auto s = semi_autoregressive_schedule(C);
  // Position c is centred at (c + 1)/C: F_c(m_c) = ln 2 - sp(-m_c/w), and the last position has F(1) ~ ln 2.
  CHECK(s->F(C - 1, 1.0) == doctest::Approx(std::log(2.0)).epsilon(1e-12));
  for (int c : {0, 1, 100, 511, C - 1}) {
    const double m = (c + 1.0) / C;
    CHECK(s->F(c, m) == doctest::Approx(std::log(2.0) - softplus(-m / 0.01)).epsilon(1e-12));
    CHECK(std::isfinite(s->F(c, 0.0)));
    CHECK(s->F(c, 0.0) == 0.0);
    CHECK(s->f(c, 0.0) >= 0.0);
  }
  // Earlier positions reveal first: F_c(t) decreases in c at fixed t.
  for (int c = 1; c < C; ++c) CHECK(s->F(c, 0.5) <= s->F(c - 1, 0.5));
  // softplus / inverse at the extremes
  CHECK(softplus(-800) == 0.0);
  CHECK(softplus(800) == 800.0);
  for (double y : {1e-12, 0.3, 5.0, 700.0}) CHECK(softplus(softplus_inverse(y)) == doctest::Approx(y).epsilon(1e-12));
}

TEST_CASE("parse_position_schedule: semi-ar, core specs and errors") {
  CHECK(parse_position_schedule("semi-ar", 8)->describe().find("semi-autoregressive") != std::string::npos);
  CHECK(parse_position_schedule("semi-autoregressive:width=0.05", 8)->F(0, 1.0) > 0);
  CHECK(parse_position_schedule("linear", 8)->F(0, 1.0) == doctest::Approx(10.01));
  CHECK(parse_position_schedule("staircase", 8)->F(0, 1.0) ==
        doctest::Approx(paper_text_staircase_schedule()->F(0, 1.0)));
  CHECK_THROWS_AS(parse_position_schedule("semi-ar:width=-1", 8), Error);
  CHECK_THROWS_AS(parse_position_schedule("semi-ar:w=1", 8), Error);
  CHECK_THROWS_AS(parse_position_schedule("semi-ar", 0), Error);
  CHECK_THROWS_AS(parse_position_schedule("bogus", 8, "--schedule"), Error);
}

TEST_CASE("dirichlet-categorical process: reveal probabilities compose and masked law is exp(-F)") {
  auto p = dirichlet_categorical_process(27, 8, paper_text_linear_schedule());
  CHECK(p.mask_id() == 27);
  // P(masked at t) = prod over steps of (1 - reveal probability): exact to round-off (1e-12).
  for (double t : {0.05, 0.3, 1.0}) {
    double masked = 1.0;
    const int n = 50;
    for (int i = 0; i < n; ++i) masked *= 1.0 - p.reveal_probability(3, t * i / n, t * (i + 1) / n);
    CHECK(masked == doctest::Approx(p.masked_probability(3, t)).epsilon(1e-12));
    CHECK(p.masked_probability(3, t) == doctest::Approx(std::exp(-p.schedule->F(3, t))).epsilon(1e-15));
  }
  // reveal_time inverts F: the Exp(1) clock E reveals at F^{-1}(E)
  CHECK(p.schedule->F(0, p.reveal_time(0, 1.5)) == doctest::Approx(1.5).epsilon(1e-12));
  CHECK(std::isinf(p.reveal_time(0, 10.02)));
}

TEST_CASE("dirichlet-categorical process: bad sizes and token ids give clear errors") {
  auto s = paper_text_linear_schedule();
  CHECK_THROWS_WITH_AS(dirichlet_categorical_process(0, 8, s), "vocabulary: size must be in [1, 2^31 - 2], got 0",
                       Error);
  CHECK_THROWS_AS(dirichlet_categorical_process(27, 0, s), Error);
  CHECK_THROWS_AS(dirichlet_categorical_process(27, 8, nullptr), Error);
  const std::vector<int> ok = {0, 1, 26, 3}, bad = {0, 1, 27, 3};
  CHECK_NOTHROW(check_token_ids(ok.data(), 4, 27, 2, false, "x"));
  CHECK_THROWS_WITH_AS(check_token_ids(bad.data(), 4, 27, 2, false, "x"),
                       "x: token id 27 at row 1, position 0 is out of range [0, 27)", Error);
  CHECK_NOTHROW(check_token_ids(bad.data(), 4, 27, 2, true, "x"));  // 27 is the mask id
  const std::vector<int> neg = {0, -1};
  CHECK_THROWS_AS(check_token_ids(neg.data(), 2, 27, 2, true, "x"), Error);
}
