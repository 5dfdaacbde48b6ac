// Tests of apps/common/targets: repeated rows of a point set merge into weighted atoms in order of first
// appearance (issue 17), resolve_threads and the per-process defaults shared by the apps.
#include "apps/common/targets.hpp"

#include <doctest/doctest.h>

#include "apps/common/options.hpp"
#include "apps/common/process_options.hpp"
#include <pmm/core/error.hpp>

TEST_CASE("merge_duplicate_points: equal columns add their weights, first appearance keeps the order") {
  pmm::Batch p(2, 5);
  p << 1, 0, 1, 2, 0,  //
      3, 0, 3, 5, 0;
  Eigen::VectorXd w;
  CHECK(pmm::merge_duplicate_points(p, w) == 3);
  REQUIRE(p.cols() == 3);
  CHECK(p(0, 0) == 1);
  CHECK(p(1, 0) == 3);
  CHECK(p(0, 1) == 0);
  CHECK(p(0, 2) == 2);
  CHECK(w[0] == 2);
  CHECK(w[1] == 2);
  CHECK(w[2] == 1);
  pmm::Batch q(1, 4);
  q << 4, 4, 7, 4;
  Eigen::VectorXd v(4);
  v << 0.5, 0.25, 1, 0.25;
  CHECK(pmm::merge_duplicate_points(q, v) == 2);
  CHECK(v[0] == 1.0);
  CHECK(v[1] == 1.0);
  pmm::Batch r(1, 3);
  r << 1, 2, 3;
  Eigen::VectorXd none;
  CHECK(pmm::merge_duplicate_points(r, none) == 3);
  CHECK(none.size() == 0);  // nothing merged: left as given
}

TEST_CASE("resolve_threads: 0 is every core, negative and huge are refused naming the option") {
  CHECK(pmm::resolve_threads(0) >= 1);
  CHECK(pmm::resolve_threads(3) == 3);
  CHECK_THROWS_AS(pmm::resolve_threads(-1), pmm::Error);
  CHECK_THROWS_AS(pmm::resolve_threads(2000), pmm::Error);
}

TEST_CASE("per-process defaults: every default solver fits its process; sweeps skip non-converging ones") {
  CHECK(pmm::default_solver("normal") == "heun");
  CHECK(pmm::default_solver("gamma-poisson") == "tau-leap");
  CHECK(pmm::default_sweep_solvers("gamma-poisson") == "exact,tau-leap,tau-leap-midpoint");
  CHECK(pmm::default_sweep_solvers("normal") == "exact,euler-maruyama,heun,ode");
  for (const char* p : {"normal", "gamma-poisson", "inverse-gamma-gamma"}) CHECK_NOTHROW(pmm::check_solver(p, pmm::default_solver(p)));
}
