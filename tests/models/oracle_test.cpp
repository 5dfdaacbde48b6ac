// Oracles: finite-set (Normal, Gamma-Poisson), Gaussian-mixture and Gamma-mixture posterior means against
// brute-force computations written independently here (direct log-likelihoods, 1-D quadrature), numerical
// stability at t = 1, sampling of the targets, and input validation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <limits>
#include <vector>

#include <boost/math/distributions/gamma.hpp>

#include "../solvers/test_stats.hpp"
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/models/predictor.hpp>
#include <pmm/core/error.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/random/random.hpp>

#include "test_helpers.hpp"

namespace {

using pmm::Batch;
using pmm::Index;

pmm::NormalProcess normal_process() {
  pmm::NormalProcess p;
  p.b = 2.0;
  p.schedule = pmm::exponential_schedule();
  return p;
}

pmm::GammaPoissonProcess gp_process() {
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  return p;
}

Batch predict(const pmm::Oracle& o, const Batch& mu, double t) {
  Batch out(o.dim(), mu.cols());
  o.predict(mu, t, 0, out);
  return out;
}

// Softmax-weighted mean of the points for log-weights logr (one column of mu).
Eigen::VectorXd weighted_points(const Batch& pts, std::vector<double> logr) {
  const double m = *std::max_element(logr.begin(), logr.end());
  double total = 0;
  Eigen::VectorXd out = Eigen::VectorXd::Zero(pts.rows());
  for (size_t i = 0; i < logr.size(); ++i) {
    const double r = std::exp(logr[i] - m);
    total += r;
    out += r * pts.col(static_cast<Index>(i)).matrix();
  }
  return out / total;
}

// Brute force: r_i ~ w_i N(mu; c x_i, v I) with the Gaussian log-density written out directly.
Batch brute_normal(const pmm::NormalProcess& p, const Batch& pts, const Eigen::VectorXd& w, const Batch& mu, double t) {
  const double F = p.schedule->F(t), c = p.c(F), v = p.v(F);
  Batch out(pts.rows(), mu.cols());
  for (Index j = 0; j < mu.cols(); ++j) {
    std::vector<double> logr(pts.cols());
    for (Index i = 0; i < pts.cols(); ++i) {
      double ll = std::log(w[i] / w.sum());
      for (Index d = 0; d < pts.rows(); ++d) {
        const double e = mu(d, j) - c * pts(d, i);
        ll += -e * e / (2 * v) - 0.5 * std::log(2 * M_PI * v);
      }
      logr[i] = ll;
    }
    out.col(j) = weighted_points(pts, logr).array();
  }
  return out;
}

// Brute force: r_i ~ w_i prod_d Poisson(N_d; x_id F), with Poisson(N; 0) = [N == 0].
Batch brute_gp(const pmm::GammaPoissonProcess& p, const Batch& pts, const Eigen::VectorXd& w, const Batch& N, double t) {
  const double F = p.schedule->F(t);
  Batch out(pts.rows(), N.cols());
  for (Index j = 0; j < N.cols(); ++j) {
    std::vector<double> logr(pts.cols());
    for (Index i = 0; i < pts.cols(); ++i) {
      double ll = std::log(w[i] / w.sum());
      for (Index d = 0; d < pts.rows(); ++d) {
        const double lam = pts(d, i) * F, n = N(d, j);
        if (lam == 0)
          ll += n == 0 ? 0.0 : -std::numeric_limits<double>::infinity();
        else
          ll += n * std::log(lam) - lam - std::lgamma(n + 1);
      }
      logr[i] = ll;
    }
    out.col(j) = weighted_points(pts, logr).array();
  }
  return out;
}

Batch random_points(Index dim, Index n, std::uint64_t seed, double scale) {
  Batch x(dim, n);
  for (Index i = 0; i < n; ++i) {
    pmm::UniformStream u(seed, static_cast<std::uint64_t>(i), 0, pmm::Stream::kUser, 0);
    for (Index d = 0; d < dim; ++d) x(d, i) = scale * pmm::normal_draw(u);
  }
  return x;
}

// mu drawn from its exact law given atoms chosen round-robin: mu = c x_i + sqrt(v) eps.
Batch law_points(const pmm::NormalProcess& p, const Batch& pts, double t, Index n, std::uint64_t seed) {
  const double F = p.schedule->F(t);
  Batch mu(pts.rows(), n);
  for (Index j = 0; j < n; ++j) {
    pmm::UniformStream u(seed, static_cast<std::uint64_t>(j), 1, pmm::Stream::kUser, 0);
    const Index i = (j * 7919) % pts.cols();
    for (Index d = 0; d < pts.rows(); ++d) mu(d, j) = p.c(F) * pts(d, i) + std::sqrt(p.v(F)) * pmm::normal_draw(u);
  }
  return mu;
}

// Andrew's monotone chain; returns the hull counter-clockwise.
std::vector<Eigen::Vector2d> convex_hull(const Batch& pts) {
  std::vector<Eigen::Vector2d> p(pts.cols());
  for (Index i = 0; i < pts.cols(); ++i) p[i] = pts.col(i).matrix();
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.x() < b.x() || (a.x() == b.x() && a.y() < b.y()); });
  auto cross = [](const Eigen::Vector2d& o, const Eigen::Vector2d& a, const Eigen::Vector2d& b) {
    return (a.x() - o.x()) * (b.y() - o.y()) - (a.y() - o.y()) * (b.x() - o.x());
  };
  std::vector<Eigen::Vector2d> h(2 * p.size());
  size_t k = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  for (size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

bool in_hull(const std::vector<Eigen::Vector2d>& h, const Eigen::Vector2d& q, double tol) {
  for (size_t i = 0; i < h.size(); ++i) {
    const auto& a = h[i];
    const auto& b = h[(i + 1) % h.size()];
    const Eigen::Vector2d e = b - a;
    if ((e.x() * (q.y() - a.y()) - e.y() * (q.x() - a.x())) / e.norm() < -tol) return false;
  }
  return true;
}

Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

using pmm_test::error_of;

}  // namespace

TEST_CASE("finite-set normal oracle equals brute-force responsibilities (1e-10)") {
  // The oracle's logits (b + F) x.mu - F|x|^2/2 and the brute force's -(mu - c x)^2/(2v) differ by a
  // per-column constant; both are computed with relative round-off ~1e-16 on values up to ~1e4 (t = 1),
  // i.e. ~1e-12 absolute in the logits and in the responsibilities: 1e-10 times the point scale is safe.
  const auto p = normal_process();
  const Batch pts = random_points(3, 20, 5, 1.5);
  Eigen::VectorXd w(20);
  for (Index i = 0; i < 20; ++i) w[i] = 0.1 + (i * 37 % 11) / 10.0;
  const auto oracle = pmm::finite_set_oracle(p, pts, w);
  REQUIRE(oracle->dim() == 3);
  const double scale = pts.abs().maxCoeff();
  for (double t : {0.05, 0.3, 0.6, 0.9, 1.0}) {
    Batch mu(3, 40);
    mu.leftCols(30) = law_points(p, pts, t, 30, 6);
    mu.rightCols(10) = random_points(3, 10, 7, 1.0);  // anywhere, not only where the law puts mass
    const Batch got = predict(*oracle, mu, t), want = brute_normal(p, pts, w, mu, t);
    const double err = (got - want).abs().maxCoeff();
    INFO("t = " << t << " max error " << err);
    CHECK(err <= 1e-10 * scale);
  }
  SUBCASE("t = 0 (F = 0) returns the weighted mean of the points") {
    const Batch got = predict(*oracle, Batch::Zero(3, 4), 0.0);
    const Eigen::VectorXd mean = pts.matrix() * (w / w.sum());
    for (Index j = 0; j < 4; ++j) CHECK((got.col(j).matrix() - mean).cwiseAbs().maxCoeff() <= 1e-14 * scale);
  }
}

TEST_CASE("finite-set normal oracle is stable at t near 1 with 5000 points (finite, in the convex hull)") {
  const auto p = normal_process();  // F(1) ~ 1770: logits up to (b + F) |x| |mu| ~ 1e4, far outliers ~1e7
  const Batch pts = random_points(2, 5000, 8, 1.0);
  const auto oracle = pmm::finite_set_oracle(p, pts);
  const auto hull = convex_hull(pts);
  const Eigen::VectorXd w = Eigen::VectorXd::Ones(5000);
  for (double t : {0.99, 1.0}) {
    Batch mu(2, 60);
    mu.leftCols(50) = law_points(p, pts, t, 50, 9);
    mu.col(50) << 1e3, 1e3;
    mu.col(51) << -200, 50;
    mu.col(52) << 0, 0;
    mu.col(53) << 1e-300, -1e-300;
    mu.col(54) << 3.9, -4.2;
    mu.rightCols(5) = random_points(2, 5, 10, 30.0);
    const Batch got = predict(*oracle, mu, t);
    CHECK(got.allFinite());
    for (Index j = 0; j < mu.cols(); ++j) {
      INFO("t = " << t << " column " << j << " g = " << got.col(j).transpose());
      // Hull tolerance 1e-12: g is a convex combination computed in double.
      CHECK(in_hull(hull, got.col(j).matrix(), 1e-12));
    }
    // Where the law puts mass the oracle still equals the brute force (same error budget as above).
    const Batch want = brute_normal(p, pts, w, mu.leftCols(50), t);
    CHECK((got.leftCols(50) - want).abs().maxCoeff() <= 1e-10 * pts.abs().maxCoeff());
  }
}

TEST_CASE("finite-set gamma-poisson oracle equals brute force with Poisson pmfs, zero coordinates included") {
  // Brute force uses lgamma pmfs and Poisson(N; 0) = [N == 0]. The oracle rebuilds N = mu (beta2 + F) -
  // beta1 with error ~1e-16 (beta2 + F) mu, i.e. < 1e-12 in N; logits move by < 1e-12 |log x|: 1e-10.
  const auto p = gp_process();
  Batch pts(2, 6);
  pts << 0.0, 2.0, 1.5, 0.0, 5.0, 0.7,  //
      3.0, 0.0, 4.0, 0.0, 1.0, 0.2;
  const Eigen::VectorXd w = vec({1, 2, 1, 0.5, 1, 3});
  const auto oracle = pmm::finite_set_oracle(p, pts, w);
  std::vector<std::pair<double, double>> counts;
  for (double n1 : {0.0, 1.0, 2.0, 5.0, 9.0, 40.0})
    for (double n2 : {0.0, 1.0, 4.0, 12.0, 300.0}) counts.push_back({n1, n2});
  for (double t : {0.0, 0.1, 0.4, 0.7, 0.85, 0.95, 1.0}) {
    const double F = p.schedule->F(t);
    Batch N(2, static_cast<Index>(counts.size())), mu(2, N.cols());
    for (Index j = 0; j < N.cols(); ++j) {
      N(0, j) = counts[j].first;
      N(1, j) = counts[j].second;
      for (Index d = 0; d < 2; ++d) mu(d, j) = p.posterior_mean(N(d, j), F);
    }
    if (t == 0.0) {  // F = 0: only N = 0 is reachable; the answer is the weighted mean
      const Batch got = predict(*oracle, mu.leftCols(1), t);
      CHECK((got.matrix() - pts.matrix() * (w / w.sum())).cwiseAbs().maxCoeff() <= 1e-14);
      continue;
    }
    const Batch got = predict(*oracle, mu, t), want = brute_gp(p, pts, w, N, t);
    for (Index j = 0; j < N.cols(); ++j) {
      INFO("t = " << t << " F = " << F << " N = (" << N(0, j) << ", " << N(1, j) << ") oracle "
                  << got.col(j).transpose() << " brute force " << want.col(j).transpose());
      CHECK((got.col(j) - want.col(j)).abs().maxCoeff() <= 1e-10);
    }
  }
}

TEST_CASE("gaussian-mixture oracle: the finite-set limit as variances -> 0") {
  const auto p = normal_process();
  const Batch means = random_points(2, 4, 11, 1.2);
  const Eigen::VectorXd w = vec({0.1, 0.4, 0.2, 0.3});
  const auto finite = pmm::finite_set_oracle(p, means, w);
  SUBCASE("variance 0: the same posterior mean (1e-10, same round-off budget as the brute force)") {
    const auto gmm = pmm::gaussian_mixture_oracle(p, w, means, Batch::Zero(2, 4));
    for (double t : {0.0, 0.3, 0.7, 0.95, 1.0}) {
      const Batch mu = law_points(p, means, t, 40, 12);
      INFO("t = " << t);
      CHECK((predict(*gmm, mu, t) - predict(*finite, mu, t)).abs().maxCoeff() <= 1e-10);
    }
  }
  SUBCASE("variance 1e-6: within the first-order perturbation bound") {
    // Adding variance s2 shifts each component's posterior mean by s2 c/tau (mu - c m) ~ s2 sqrt(b + F)
    // and each log-responsibility by O(s2 c^2/v) = O(s2 (b + F)) times O(1 + (mu - c m)^2/v). With
    // |mu - c m| up to ~4 sqrt(v), the gap is below 40 s2 (b + F) times the spread of the means.
    const double s2 = 1e-6;
    const auto gmm = pmm::gaussian_mixture_oracle(p, w, means, Batch::Constant(2, 4, s2));
    const double spread = means.abs().maxCoeff();
    for (double t : {0.3, 0.7, 0.95, 1.0}) {
      const Batch mu = law_points(p, means, t, 40, 13);
      const double F = p.schedule->F(t), gap = (predict(*gmm, mu, t) - predict(*finite, mu, t)).abs().maxCoeff();
      INFO("t = " << t << " gap " << gap << " bound " << 40 * s2 * (p.b + F) * spread);
      CHECK(gap <= 40 * s2 * (p.b + F) * spread);
    }
  }
}

TEST_CASE("gaussian-mixture oracle equals 1-D quadrature of x N(mu; c x, v) p(x) (1e-9 relative)") {
  // Quadrature on [-10, 10] with 4000 Gauss-Legendre panels of width 0.005: the narrowest integrand
  // factor has width 1/sqrt(F(1)) ~ 0.024, so each panel sees a near-polynomial and the rule is exact
  // to ~1e-15; the prior's mass outside [-10, 10] is < 1e-20.
  const auto p = normal_process();
  const double w1 = 0.35, m1 = -1.0, s1 = 0.5, w2 = 0.65, m2 = 1.5, s2 = 0.8;
  Batch means(1, 2), vars(1, 2);
  means << m1, m2;
  vars << s1 * s1, s2 * s2;
  const auto gmm = pmm::gaussian_mixture_oracle(p, vec({w1, w2}), means, vars);
  auto prior = [&](double x) {
    return w1 * std::exp(-0.5 * (x - m1) * (x - m1) / (s1 * s1)) / s1 +
           w2 * std::exp(-0.5 * (x - m2) * (x - m2) / (s2 * s2)) / s2;
  };
  for (double t : {0.1, 0.5, 0.8, 1.0}) {
    const double F = p.schedule->F(t), c = p.c(F), v = p.v(F);
    for (double mu : {-1.2, -0.3, 0.0, 0.2, 0.55, 1.4, 2.5}) {
      // Scale by the likelihood's largest value on [-10, 10] so far-out mu (mu/c ~ 470 at t = 0.1) do not
      // underflow to 0/0.
      const double xr = std::clamp(mu / c, -10.0, 10.0), ref = -0.5 * (mu - c * xr) * (mu - c * xr) / v;
      auto like = [&](double x) { return std::exp(-0.5 * (mu - c * x) * (mu - c * x) / v - ref) * prior(x); };
      const double den = pmm_test::integrate(like, -10, 10, 4000);
      const double num = pmm_test::integrate([&](double x) { return x * like(x); }, -10, 10, 4000);
      Batch m(1, 1);
      m(0, 0) = mu;
      const double got = predict(*gmm, m, t)(0, 0), want = num / den;
      INFO("t = " << t << " mu = " << mu << " oracle " << got << " quadrature " << want);
      CHECK(std::abs(got - want) <= 1e-9 * std::max(1.0, std::abs(want)));
    }
  }
  // t = 0: the prior mean.
  CHECK(predict(*gmm, Batch::Zero(1, 1), 0.0)(0, 0) == doctest::Approx(w1 * m1 + w2 * m2).epsilon(1e-14));
}

TEST_CASE("gamma-mixture oracle equals 1-D quadrature of x p(N | x) p(x) / p(N) (1e-9 relative)") {
  // Each component's posterior is Gamma(a + N, r + F); integrating over [0, X] with X at 40 posterior
  // standard deviations past the largest posterior mean, in 3000 panels of at most 1/20 of a standard
  // deviation, makes the rule exact to ~1e-14. Shapes >= 2.5 keep the integrand free of singularities.
  const auto p = gp_process();
  const double w1 = 0.4, a1 = 2.5, r1 = 1.0, w2 = 0.6, a2 = 8.0, r2 = 1.5;
  Batch shapes(1, 2), rates(1, 2);
  shapes << a1, a2;
  rates << r1, r2;
  const auto oracle = pmm::gamma_mixture_oracle(p, vec({w1, w2}), shapes, rates);
  for (double t : {0.2, 0.5, 0.8, 1.0}) {
    const double F = p.schedule->F(t);
    for (double N : {0.0, 1.0, 3.0, 10.0, 40.0, 200.0}) {
      auto log_joint = [&](double x, double w, double a, double r) {
        return std::log(w) + a * std::log(r) - std::lgamma(a) + (a - 1) * std::log(x) - r * x + N * std::log(x * F) - x * F;
      };
      double xmax = 0, ref = -std::numeric_limits<double>::infinity();
      for (auto [a, r] : {std::pair{a1, r1}, std::pair{a2, r2}}) {
        const double m = (a + N) / (r + F), sd = std::sqrt(a + N) / (r + F);
        xmax = std::max(xmax, m + 40 * sd);
        ref = std::max(ref, log_joint(std::max(m, 1e-300), a == a1 ? w1 : w2, a, r));
      }
      auto joint = [&](double x) {
        if (x <= 0) return 0.0;
        return std::exp(log_joint(x, w1, a1, r1) - ref) + std::exp(log_joint(x, w2, a2, r2) - ref);
      };
      const double den = pmm_test::integrate(joint, 0, xmax, 3000);
      const double num = pmm_test::integrate([&](double x) { return x * joint(x); }, 0, xmax, 3000);
      Batch mu(1, 1);
      mu(0, 0) = p.posterior_mean(N, F);
      const double got = predict(*oracle, mu, t)(0, 0), want = num / den;
      INFO("t = " << t << " F = " << F << " N = " << N << " oracle " << got << " quadrature " << want);
      CHECK(std::abs(got - want) <= 1e-9 * want);
    }
  }
  Batch mu0(1, 1);
  mu0(0, 0) = p.initial_mean();
  CHECK(predict(*oracle, mu0, 0.0)(0, 0) == doctest::Approx(w1 * a1 / r1 + w2 * a2 / r2).epsilon(1e-13));
}

TEST_CASE("oracles: sample() draws the target (chi-square on atoms, KS on mixtures) and is keyed on the path") {
  const int n = 20000;
  SUBCASE("finite sets: atom frequencies") {
    Batch pts(1, 4);
    pts << -1.0, 0.5, 2.0, 7.0;
    const Eigen::VectorXd w = vec({1, 2, 3, 4});  // any scale
    for (const auto& oracle : {pmm::finite_set_oracle(normal_process(), pts, w),
                               pmm::finite_set_oracle(gp_process(), pts.abs(), w)}) {
      const Batch x = oracle->sample(n, 99);
      std::vector<double> counts(4, 0.0);
      bool on_atoms = true;
      for (Index j = 0; j < n; ++j) {
        Index hit = -1;
        for (Index i = 0; i < 4; ++i)
          if (x(0, j) == std::abs(pts(0, i)) || x(0, j) == pts(0, i)) hit = i;
        on_atoms = on_atoms && hit >= 0;
        if (hit >= 0) counts[hit] += 1;
      }
      CHECK(on_atoms);
      const auto gof = pmm_test::chi_square_gof(counts, {0.1, 0.2, 0.3, 0.4});
      INFO(oracle->describe() << " chi-square " << gof.statistic << " p " << gof.p_value);
      CHECK(gof.p_value > pmm_test::kMinP);
      // Draw j depends on (seed, path0 + j) only.
      CHECK((oracle->sample(10, 99, 5) == x.middleCols(5, 10)).all());
      CHECK((oracle->sample(10, 98, 5) != x.middleCols(5, 10)).any());
    }
  }
  SUBCASE("gaussian mixture: KS against the mixture CDF, 2-D mean") {
    Batch means(1, 2), vars(1, 2);
    means << -1.0, 1.5;
    vars << 0.25, 0.64;
    const auto gmm = pmm::gaussian_mixture_oracle(normal_process(), vec({0.35, 0.65}), means, vars);
    const Batch x = gmm->sample(n, 5);
    std::vector<double> v(x.data(), x.data() + n);
    const auto ks = pmm_test::ks_test(v, [](double y) {
      return 0.35 * pmm_test::normal_cdf((y + 1.0) / 0.5) + 0.65 * pmm_test::normal_cdf((y - 1.5) / 0.8);
    });
    INFO("KS p = " << ks.p_value);
    CHECK(ks.p_value > pmm_test::kMinP);
    CHECK((gmm->sample(7, 5, 100) == x.middleCols(100, 7)).all());
    // 2-D: per-coordinate means, z-test with the exact mixture variance.
    Batch m2(2, 2), v2(2, 2);
    m2 << -1.0, 2.0, 0.5, -3.0;
    v2 << 0.1, 0.2, 0.3, 0.4;
    const auto gmm2 = pmm::gaussian_mixture_oracle(normal_process(), vec({0.3, 0.7}), m2, v2);
    const Batch y = gmm2->sample(n, 6);
    for (Index d = 0; d < 2; ++d) {
      const double mean = 0.3 * m2(d, 0) + 0.7 * m2(d, 1);
      const double second = 0.3 * (v2(d, 0) + m2(d, 0) * m2(d, 0)) + 0.7 * (v2(d, 1) + m2(d, 1) * m2(d, 1));
      const double z = (y.row(d).mean() - mean) / std::sqrt((second - mean * mean) / n);
      CHECK(pmm_test::z_p_value(z) > pmm_test::kMinP);
    }
  }
  SUBCASE("gamma mixture: KS against the mixture CDF") {
    Batch shapes(1, 2), rates(1, 2);
    shapes << 0.7, 6.0;
    rates << 2.0, 1.5;
    const auto oracle = pmm::gamma_mixture_oracle(gp_process(), vec({0.4, 0.6}), shapes, rates);
    const Batch x = oracle->sample(n, 7);
    std::vector<double> v(x.data(), x.data() + n);
    const boost::math::gamma_distribution<> g1(0.7, 0.5), g2(6.0, 1.0 / 1.5);
    const auto ks = pmm_test::ks_test(v, [&](double y) {
      return y <= 0 ? 0.0 : 0.4 * boost::math::cdf(g1, y) + 0.6 * boost::math::cdf(g2, y);
    });
    INFO("KS p = " << ks.p_value);
    CHECK(ks.p_value > pmm_test::kMinP);
  }
}

TEST_CASE("oracles: bad input throws pmm::Error naming the target") {
  const auto p = normal_process();
  const auto q = gp_process();
  Batch pts(1, 3);
  pts << 0.0, 1.0, 2.0;
  Batch nan_pts = pts;
  nan_pts(0, 1) = std::nan("");
  const Batch empty(1, 0);
  for (auto [what, fn] : std::vector<std::pair<const char*, std::function<void()>>>{
           {"negative weight", [&] { pmm::finite_set_oracle(p, pts, vec({1, -1, 1})); }},
           {"NaN weight", [&] { pmm::finite_set_oracle(p, pts, vec({1, std::nan(""), 1})); }},
           {"weights sum to 0", [&] { pmm::finite_set_oracle(p, pts, vec({0, 0, 0})); }},
           {"weight count", [&] { pmm::finite_set_oracle(p, pts, vec({1, 1})); }},
           {"NaN point", [&] { pmm::finite_set_oracle(p, nan_pts); }},
           {"no points", [&] { pmm::finite_set_oracle(p, empty); }},
           {"gamma-poisson NaN point", [&] { pmm::finite_set_oracle(q, nan_pts); }},
           {"gamma-poisson negative point", [&] { pmm::finite_set_oracle(q, Batch::Constant(1, 3, -0.5)); }},
           {"gamma-poisson negative weight", [&] { pmm::finite_set_oracle(q, pts, vec({1, -2, 1})); }},
           {"gmm negative weight", [&] { pmm::gaussian_mixture_oracle(p, vec({1, -1, 1}), pts, Batch::Ones(1, 3)); }},
           {"gmm negative variance", [&] { pmm::gaussian_mixture_oracle(p, vec({1, 1, 1}), pts, Batch::Constant(1, 3, -1)); }},
           {"gmm NaN mean", [&] { pmm::gaussian_mixture_oracle(p, vec({1, 1, 1}), nan_pts, Batch::Ones(1, 3)); }},
           {"gmm shape mismatch", [&] { pmm::gaussian_mixture_oracle(p, vec({1, 1, 1}), pts, Batch::Ones(2, 3)); }},
           {"gmm weight count", [&] { pmm::gaussian_mixture_oracle(p, vec({1, 1}), pts, Batch::Ones(1, 3)); }},
           {"gamma-mix zero shape", [&] { pmm::gamma_mixture_oracle(q, vec({1, 1, 1}), pts, Batch::Ones(1, 3)); }},
           {"gamma-mix negative rate", [&] { pmm::gamma_mixture_oracle(q, vec({1, 1, 1}), Batch::Ones(1, 3), Batch::Constant(1, 3, -1)); }},
           {"gamma-mix negative weight", [&] { pmm::gamma_mixture_oracle(q, vec({1, -1, 1}), Batch::Ones(1, 3), Batch::Ones(1, 3)); }},
       }) {
    INFO(what);
    const std::string msg = error_of(fn);
    INFO(msg);
    CHECK(msg.find("target") != std::string::npos);
  }
}

TEST_CASE("oracles: a column's prediction does not depend on the batch around it (bitwise)") {
  // The integrate driver promises results independent of chunking, and a path replayed alone must equal
  // itself inside a batch: each oracle must compute every column the same way at any offset and in
  // batches of any size, including one column (Eigen's GEMV) and odd offsets (vector-packet peeling).
  const auto p = normal_process();
  const auto q = gp_process();
  Batch gp_pts = random_points(3, 41, 21, 1.0).abs();
  gp_pts(0, 3) = 0.0;  // a zero coordinate exercises the exclusion path
  Batch shapes = random_points(2, 3, 22, 1.0).abs() + 0.5, rates = random_points(2, 3, 23, 1.0).abs() + 0.5;
  const std::vector<pmm::OraclePtr> oracles = {
      pmm::finite_set_oracle(p, random_points(5, 40, 24, 1.0)),
      pmm::finite_set_oracle(p, random_points(1, 3, 25, 1.0)),
      pmm::finite_set_oracle(p, random_points(2, 8, 28, 1.0)),
      pmm::finite_set_oracle(p, random_points(3, 41, 29, 1.0)),
      pmm::finite_set_oracle(p, random_points(2, 5000, 30, 1.0)),
      pmm::gaussian_mixture_oracle(p, vec({0.2, 0.5, 0.3}), random_points(3, 3, 26, 1.0), Batch::Constant(3, 3, 0.1)),
      pmm::finite_set_oracle(q, gp_pts),
      pmm::gamma_mixture_oracle(q, vec({0.2, 0.5, 0.3}), shapes, rates)};
  for (const auto& o : oracles) {
    const bool gp = o->describe().find("gamma") != std::string::npos;
    const Index n = 33;
    Batch mu = random_points(o->dim(), n, 27, 0.7);
    if (gp) mu = mu.abs() * 3 + 0.05;
    for (double t : {0.4, 0.8}) {
      const Batch all = predict(*o, mu, t);
      bool same = true;
      for (Index chunk : {1, 2, 3, 7, 16, 17}) {
        for (Index p0 = 0; p0 < n; p0 += chunk) {
          const Index m = std::min(chunk, n - p0);
          Batch part(o->dim(), m);
          o->predict(mu.middleCols(p0, m), t, p0, part);
          same = same && (part == all.middleCols(p0, m)).all();
        }
      }
      INFO(o->describe() << " t = " << t);
      CHECK(same);
    }
  }
}

TEST_CASE("finite-set gamma-poisson oracle: when every atom is excluded the soft floor still gives a finite answer") {
  // Counts impossible under every atom (N_1 = 2 where all x_1 = 0) come only from approximate solvers; the
  // oracle then ignores the impossible coordinate (each atom gets the same floor penalty) and equals the
  // brute force on the remaining coordinate (1e-12: same computation, no cancellation).
  const auto p = gp_process();
  Batch pts(2, 2);
  pts << 0.0, 0.0,  //
      1.0, 3.0;
  const auto o = pmm::finite_set_oracle(p, pts);
  const double t = 0.6, F = p.schedule->F(t);
  Batch mu(2, 1);
  mu << p.posterior_mean(2, F), p.posterior_mean(4, F);
  const Batch got = predict(*o, mu, t);
  REQUIRE(got.allFinite());
  Batch N(1, 1);
  N << 4;
  const Batch want = brute_gp(p, pts.bottomRows(1), Eigen::VectorXd::Ones(2), N, t);
  CHECK(got(1, 0) == doctest::Approx(want(0, 0)).epsilon(1e-12));
  CHECK(got(0, 0) == 0.0);
}

TEST_CASE("finite-set oracles: a posterior concentrated on one atom returns that atom exactly (zero counts are 0)") {
  // Atoms {0, 3, 5}, no count by t = 1: the posterior weight of x = 3 is exp(-3 F(1)) ~ 1e-300 relative, below
  // the unit roundoff of the total (softmax_cutoff.hpp), so the answer is exactly 0 rather than ~1e-308.
  // Weights just above the cutoff are kept: at smaller F the answer is the brute-force mean (1e-12 relative).
  const auto p = gp_process();
  Batch pts(1, 3);
  pts << 0.0, 3.0, 5.0;
  const auto oracle = pmm::finite_set_oracle(p, pts);
  Batch mu(1, 1);
  mu << p.posterior_mean(0.0, p.schedule->F(1.0));
  CHECK(predict(*oracle, mu, 1.0)(0, 0) == 0.0);
  const double t = 0.5, F = p.schedule->F(t);
  REQUIRE(std::exp(-3 * F) > 0x1p-53);
  mu << p.posterior_mean(0.0, F);
  const double want = (3 * std::exp(-3 * F) + 5 * std::exp(-5 * F)) / (1 + std::exp(-3 * F) + std::exp(-5 * F));
  CHECK(predict(*oracle, mu, t)(0, 0) == doctest::Approx(want).epsilon(1e-12));
  // Normal: a query on an atom at t = 1 returns that atom bitwise.
  const auto pn = normal_process();
  Batch npts(2, 3);
  npts << -1.0, 0.25, 2.0,  //
      0.5, 0.75, -3.0;
  const auto on = pmm::finite_set_oracle(pn, npts);
  const Batch nmu = npts.col(1) * pn.c(pn.schedule->F(1.0));
  CHECK((predict(*on, nmu, 1.0) == npts.col(1)).all());
}

// Full covariances (issue 16): the Normal process adds isotropic noise, so the posterior mean is rotation
// equivariant: with S_k = R diag(a_k) R^T, g_full(mu) = R g_diag(R^T mu) where g_diag has means R^T m_k and variances
// a_k. Both sides are closed forms in double; 1e-9 absolute on values of order 1 allows the Cholesky round-off.
TEST_CASE("gaussian-mixture oracle: full covariances match the rotated diagonal oracle; bad matrices are refused") {
  const auto p = normal_process();
  const double th = 0.6;
  Eigen::Matrix2d R;
  R << std::cos(th), -std::sin(th), std::sin(th), std::cos(th);
  Batch means(2, 2), vars(2, 2);
  means << -1.0, 1.5, 0.5, -0.2;
  vars << 0.3, 0.05, 1.2, 0.6;
  std::vector<Eigen::MatrixXd> cov;
  for (Index k = 0; k < 2; ++k) cov.push_back(R * vars.col(k).matrix().asDiagonal() * R.transpose());
  const Batch rmeans = (R.transpose() * means.matrix()).array();
  const auto full = pmm::gaussian_mixture_oracle(p, vec({0.4, 0.6}), means, cov);
  const auto diag = pmm::gaussian_mixture_oracle(p, vec({0.4, 0.6}), rmeans, vars);
  Batch mu(2, 5);
  mu << -1.0, 0.0, 0.3, 2.0, -3.0, 0.4, -0.5, 1.0, 0.2, 2.5;
  for (double t : {0.0, 0.05, 0.3, 0.7, 1.0}) {
    Batch a, b;
    full->predict(mu, t, 0, a);
    diag->predict((R.transpose() * mu.matrix()).array(), t, 0, b);
    const Batch back = (R * b.matrix()).array();
    INFO("t " << t);
    CHECK((a - back).abs().maxCoeff() < 1e-9);
  }
  // Sampling: 40,000 draws; the mean of the target and its covariance entries (O(1)) have standard errors below
  // 0.01, so 0.05 is a 5-se tolerance.
  const Batch x = full->sample(40000, 7, 0);
  const Eigen::Vector2d m = x.matrix().rowwise().mean();
  const Eigen::MatrixXd centred = x.matrix().colwise() - m;
  const Eigen::Matrix2d emp = centred * centred.transpose() / (x.cols() - 1.0);
  Eigen::Vector2d m_true = 0.4 * means.matrix().col(0) + 0.6 * means.matrix().col(1);
  Eigen::Matrix2d c_true = 0.4 * cov[0] + 0.6 * cov[1];
  for (Index k = 0; k < 2; ++k) {
    const Eigen::Vector2d dm = means.matrix().col(k) - m_true;
    c_true += (k == 0 ? 0.4 : 0.6) * dm * dm.transpose();
  }
  CHECK((m - m_true).cwiseAbs().maxCoeff() < 0.05);
  CHECK((emp - c_true).cwiseAbs().maxCoeff() < 0.05);

  auto refused = [&](std::vector<Eigen::MatrixXd> bad, const std::string& piece) {
    try {
      pmm::gaussian_mixture_oracle(p, vec({0.4, 0.6}), means, std::move(bad));
      FAIL("accepted a bad covariance: " << piece);
    } catch (const pmm::Error& e) {
      CHECK_MESSAGE(std::string(e.what()).find(piece) != std::string::npos, e.what());
    }
  };
  Eigen::MatrixXd indefinite(2, 2), asym(2, 2);
  indefinite << 1.0, 2.0, 2.0, 1.0;
  asym << 1.0, 0.5, 0.1, 1.0;
  refused({cov[0], indefinite}, "component 1: covariance is not positive definite");
  refused({asym, cov[1]}, "component 0: covariance is not symmetric");
  refused({cov[0]}, "one covariance matrix per component");
  refused({cov[0], Eigen::MatrixXd::Identity(3, 3)}, "component 1: covariance must be 2 x 2");
}

TEST_CASE("GivenX: predict copies the chunk's columns of x, and a chunk past x names path0") {
  Batch x(3, 7);
  for (Index j = 0; j < 7; ++j)
    for (Index d = 0; d < 3; ++d) x(d, j) = 10.0 * static_cast<double>(j) + static_cast<double>(d);
  const pmm::GivenX given(x);
  Batch out;
  given.predict(Batch::Zero(3, 4), 0.5, 2, out);
  REQUIRE(out.rows() == 3);
  REQUIRE(out.cols() == 4);
  CHECK((out == x.middleCols(2, 4)).all());
  given.predict(Batch::Zero(3, 0), 0.5, 7, out);  // an empty chunk at the end
  CHECK(out.size() == 0);
  for (Index path0 : {Index{4}, Index{-1}}) {
    try {
      given.predict(Batch::Zero(3, 4), 0.5, path0, out);
      FAIL("no error for path0 " << path0);
    } catch (const pmm::Error& e) {
      CHECK(e.argument == "path0");
    }
  }
}
