// Schedules: F(t) is the exact integral of f (checked against composite Gauss-Legendre quadrature),
// the paper's exponential default has F(1) = (e^13 - 1)/250, parse_schedule / parse_grid errors name the
// option, and every grid kind is strictly increasing from 0 to 1 (uniform-precision: equal F steps).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "../solvers/test_stats.hpp"
#include <pmm/core/error.hpp>
#include <pmm/processes/schedule.hpp>

#include "test_helpers.hpp"

namespace {

const std::vector<double> kTimes = {0.0, 1e-6, 0.013, 0.1, 0.37, 0.5, 0.9, 0.985, 0.99, 1.0};

// F(t) against the quadrature of f over [0, t], splitting at the points where f has a kink or a jump
// so that every panel is analytic. Tolerance 1e-10 relative (plus 1e-14 absolute for F(0) = 0): the
// 16-panel 20-point rule is accurate to ~1e-15 on these integrands (exponential with k <= 13 has
// panel Taylor terms (13/16)^40/40! ~ 1e-52), so any larger gap is an error in F.
void check_integral(const pmm::Schedule& s, const std::vector<double>& breaks = {}) {
  for (double t : kTimes) {
    const double q = pmm_test::integrate_with_breaks([&](double u) { return s.f(u); }, 0.0, t, breaks);
    INFO(s.describe() << " t = " << t << " F = " << s.F(t) << " quadrature = " << q);
    CHECK(std::abs(s.F(t) - q) <= 1e-10 * std::abs(q) + 1e-14);
    CHECK(s.alpha(0.0, t) == doctest::Approx(s.F(t)).epsilon(1e-15));
  }
}

std::string temp_path(const std::string& stem) {
  return "/tmp/pmm_coretests_" + stem + "_" + std::to_string(::getpid()) + ".txt";
}

using pmm_test::error_of;

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

TEST_CASE("schedules: F equals the quadrature of f to 1e-10 relative") {
  SUBCASE("exponential, paper default and others") {
    check_integral(*pmm::exponential_schedule());
    check_integral(*pmm::exponential_schedule(1.0, 3.0));
    check_integral(*pmm::exponential_schedule(2.0, -4.0));
    check_integral(*pmm::exponential_schedule(0.5, 0.0));
  }
  SUBCASE("linear") {
    check_integral(*pmm::linear_schedule(0.01, 2000.0));
    check_integral(*pmm::linear_schedule(3.0, -1.0));
  }
  SUBCASE("constant") { check_integral(*pmm::constant_schedule(7.5)); }
  SUBCASE("staircase (jump at t = c)") {
    check_integral(*pmm::staircase_schedule(3.5, 100.0, 0.985), {0.985});
    check_integral(*pmm::staircase_schedule(1.0, 2.0, 0.3), {0.3, 0.6, 0.9});
  }
  SUBCASE("piecewise linear table (kinks at the nodes)") {
    const std::vector<double> t = {0.0, 0.2, 0.21, 0.7, 1.0}, f = {0.0, 5.0, 1.0, 40.0, 3.0};
    check_integral(*pmm::piecewise_linear_schedule(t, f), t);
  }
  SUBCASE("piecewise linear table from a file (comments, commas, blank lines)") {
    const std::string path = temp_path("schedule");
    {
      std::ofstream out(path);
      out << "# t f\n0 1.5\n\n0.25, 4   # a comment\n0.5 0\n1.0 12\n";
    }
    const auto s = pmm::piecewise_linear_schedule_from_file(path);
    check_integral(*s, {0.25, 0.5});
    // Hand integral: trapezoids 0.25*(1.5+4)/2 + 0.25*(4+0)/2 + 0.5*(0+12)/2 = 0.6875 + 0.5 + 3.
    CHECK(s->F(1.0) == doctest::Approx(4.1875).epsilon(1e-14));
    const auto parsed = pmm::parse_schedule("table:" + path);
    CHECK(parsed->F(0.8) == doctest::Approx(s->F(0.8)).epsilon(1e-15));
    std::remove(path.c_str());
  }
}

TEST_CASE("schedules: paper exponential default has F(1) = (e^13 - 1)/250 ~ 1769.65") {
  const auto s = pmm::exponential_schedule();
  // expm1 and exp are correctly rounded to ~1 ulp: 1e-14 relative leaves two orders of margin.
  CHECK(s->F(1.0) == doctest::Approx(std::expm1(13.0) / 250.0).epsilon(1e-14));
  CHECK(s->F(1.0) == doctest::Approx(1769.65).epsilon(1e-5));
  CHECK(s->f(0.0) == doctest::Approx(13.0 / 250.0).epsilon(1e-15));
  CHECK(s->F(0.0) == 0.0);
  // expm1 keeps F accurate near 0 where e^{kt} - 1 would cancel: F(1e-12) = a t (1 + k t/2 + ...).
  CHECK(s->F(1e-12) == doctest::Approx(13.0 / 250.0 * 1e-12).epsilon(1e-11));
  const auto parsed = pmm::parse_schedule("exponential");
  CHECK(parsed->F(1.0) == s->F(1.0));
  CHECK(pmm::parse_schedule("exponential:a=1,k=3")->F(0.5) == doctest::Approx(std::expm1(1.5) / 3.0).epsilon(1e-14));
  CHECK(pmm::parse_schedule("linear")->F(1.0) == doctest::Approx(0.01 * (1 + 1000.0)).epsilon(1e-14));
  CHECK(pmm::parse_schedule("constant:c=5")->F(0.3) == doctest::Approx(1.5).epsilon(1e-15));
  CHECK(pmm::parse_schedule("staircase")->f(0.99) == doctest::Approx(3.5 * 101).epsilon(1e-15));
}

TEST_CASE("schedules: parse errors are pmm::Error naming the option") {
  for (const std::string spec :
       {"nonsense", "exponential:a=-1", "exponential:k=99", "exponential:q=1", "exponential:a", "constant:c=abc",
        "constant:c=5x", "constant:c=nan", "constant:c=0", "linear:b=-2", "staircase:c=0", "staircase:c=1.5",
        "table:", "table:/nonexistent/pmm_schedule.txt"}) {
    INFO(spec);
    const std::string msg = error_of([&] { pmm::parse_schedule(spec, "--my-schedule"); });
    INFO(msg);
    CHECK(starts_with(msg, "--my-schedule: "));
  }
  CHECK(error_of([] { pmm::parse_schedule("nonsense"); }).find("--schedule: unknown schedule 'nonsense'") == 0);
  CHECK(error_of([] { pmm::parse_schedule("linear:q=3"); }).find("unknown parameter 'q'") != std::string::npos);
  // A file with a malformed line names the file and the line.
  const std::string path = temp_path("bad_schedule");
  {
    std::ofstream out(path);
    out << "0 1\n0.5 2 3\n1 1\n";
  }
  const std::string msg = error_of([&] { pmm::parse_schedule("table:" + path); });
  CHECK(starts_with(msg, "--schedule: "));
  CHECK(msg.find(path) != std::string::npos);
  CHECK(msg.find("line 2") != std::string::npos);
  {
    std::ofstream out(path);
    out << "0 1\n0.5 -2\n1 1\n";  // negative rate
  }
  CHECK(starts_with(error_of([&] { pmm::parse_schedule("table:" + path); }), "--schedule: "));
  std::remove(path.c_str());
  // Direct constructors validate too.
  CHECK_THROWS_AS(pmm::piecewise_linear_schedule({0.0, 0.5}, {1.0, 1.0}), pmm::Error);       // does not end at 1
  CHECK_THROWS_AS(pmm::piecewise_linear_schedule({0.0, 0.5, 0.5, 1.0}, {1, 1, 1, 1}), pmm::Error);  // not increasing
  CHECK_THROWS_AS(pmm::piecewise_linear_schedule({0.0, 1.0}, {0.0, 0.0}), pmm::Error);       // f == 0
  CHECK_THROWS_AS(pmm::constant_schedule(-1.0), pmm::Error);
  CHECK_THROWS_AS(pmm::exponential_schedule(std::nan(""), 1.0), pmm::Error);
}

TEST_CASE("grids: uniform, uniform-precision and power grids increase strictly from 0 to 1") {
  const auto sched = pmm::exponential_schedule();
  for (const std::string spec : {"uniform", "uniform-precision", "power", "power:rho=3", "power:rho=0.5"}) {
    const auto g = pmm::parse_grid(spec);
    for (int n : {1, 2, 7, 100, 1000}) {
      INFO(spec << " n = " << n);
      const auto t = pmm::make_grid(g, *sched, n);
      REQUIRE(t.size() == static_cast<size_t>(n + 1));
      CHECK(t.front() == 0.0);
      CHECK(t.back() == 1.0);
      bool increasing = true;
      for (int i = 1; i <= n; ++i) increasing = increasing && t[i] > t[i - 1];
      CHECK(increasing);
    }
  }
  SUBCASE("uniform is i/n; power is (i/n)^(1/rho)") {
    const auto u = pmm::make_grid(pmm::parse_grid("uniform"), *sched, 8);
    for (int i = 0; i <= 8; ++i) CHECK(u[i] == i / 8.0);
    const auto p = pmm::make_grid(pmm::parse_grid("power:rho=3"), *sched, 10);
    for (int i = 0; i <= 10; ++i) CHECK(p[i] == doctest::Approx(std::pow(i / 10.0, 1.0 / 3.0)).epsilon(1e-15));
  }
  SUBCASE("uniform-precision gives equal F differences") {
    // Bisection stops at width 1e-15 in t; F changes by at most f(1) * 1e-15 ~ 2.3e-14 there, so the
    // differences equal F(1)/n to 1e-9 relative with a wide margin (F(1)/n >= 1.7 here).
    for (const auto& s : {pmm::exponential_schedule(), pmm::linear_schedule(0.01, 2000.0),
                          pmm::staircase_schedule(3.5, 100.0, 0.985)}) {
      const int n = 1000;
      const auto t = pmm::make_grid(pmm::parse_grid("uniform-precision"), *s, n);
      const double step = s->F(1.0) / n;
      double worst = 0;
      for (int i = 1; i <= n; ++i) worst = std::max(worst, std::abs(s->alpha(t[i - 1], t[i]) - step) / step);
      INFO(s->describe() << " worst relative deviation " << worst);
      CHECK(worst < 1e-9);
    }
  }
  SUBCASE("grid errors") {
    CHECK_THROWS_AS(pmm::make_grid(pmm::GridSpec{}, *sched, 0), pmm::Error);
    for (const std::string spec : {"unifrom", "power:rho=0", "power:rho=-1", "power:beta=2", "powerX"}) {
      INFO(spec);
      CHECK(starts_with(error_of([&] { pmm::parse_grid(spec, "--my-grid"); }), "--my-grid: "));
    }
  }
}

TEST_CASE("schedules: garbage lines in a table and overflowing schedules are refused") {
  const std::string path = temp_path("garbage_schedule");
  for (const std::string line : {"hello world", "nan 3", "O.7 2", "0.5 inf", "0.5", "0.5 2 # ok", "1e999 2"}) {
    {
      std::ofstream out(path);
      out << "# t f\n0 1\n" << line << "\n1 1\n";
    }
    INFO(line);
    const std::string msg = error_of([&] { pmm::parse_schedule("table:" + path); });
    if (line == "0.5 2 # ok") {
      CHECK(msg == "<no pmm::Error thrown>");
      continue;
    }
    CHECK(starts_with(msg, "--schedule: " + path + ": line 3: expected two finite numbers"));
  }
  std::remove(path.c_str());
  // F(1) = 1e308 ran and returned samples of mean 6e288; F(1) is capped at kMaxScheduleF = 1e30.
  for (const std::string spec : {"constant:c=1e308", "constant:c=1e31", "linear:a=1e300", "exponential:a=1e20,k=50"}) {
    INFO(spec);
    CHECK(error_of([&] { pmm::parse_schedule(spec); }).find("would overflow") != std::string::npos);
  }
  CHECK_NOTHROW(pmm::parse_schedule("constant:c=1e6"));
  CHECK_NOTHROW(pmm::parse_schedule("exponential:a=1,k=50"));  // F(1) = 1e20
  CHECK_NOTHROW(pmm::parse_schedule("constant:c=1e30"));
  CHECK_NOTHROW(pmm::check_schedule(*pmm::exponential_schedule(), "--schedule"));
}
