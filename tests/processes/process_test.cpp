// Normal and Gamma-Poisson processes: the online update iterated over observations equals the closed-form
// batch posterior mean; the Normal exact transition over [t0, t1] is the composition of many small
// updates (algebraically, and in law by simulation); Gamma-Poisson count(mu, F) recovers the integer N;
// the continuous-time coefficients are the t-derivatives of the exact laws.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "../solvers/test_stats.hpp"
#include <pmm/processes/gamma_poisson.hpp>
#include <pmm/processes/normal.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/random/distributions.hpp>
#include <pmm/random/random.hpp>

#include "test_helpers.hpp"

namespace {

using pmm_test::uniform_grid;

}  // namespace

TEST_CASE("normal process: iterated online update equals the batch posterior mean") {
  // Tolerance 1e-12 relative to max(1, |mu|): each update is a convex combination computed with ~3 ulp
  // of error and earlier errors are damped by the factor (b + A_{s-1})/(b + A_s) < 1, so 500 steps
  // accumulate at most ~500 * 3 * 1.1e-16 ~ 2e-13.
  for (const auto& sched : {pmm::exponential_schedule(), pmm::linear_schedule(0.01, 2000.0), pmm::constant_schedule(3.0)}) {
    pmm::NormalProcess p;
    p.b = 1.7;
    p.schedule = sched;
    const int n = 500;
    const auto t = uniform_grid(n);
    for (std::uint64_t path = 0; path < 20; ++path) {
      pmm::UniformStream u(11, path, 0, pmm::Stream::kUser, 0);
      const double x = 2.0 * pmm::normal_draw(u);
      double mu = p.initial_mean(), A = 0, sum_alpha_y = 0;
      for (int s = 1; s <= n; ++s) {
        const double alpha = sched->alpha(t[s - 1], t[s]);
        const double y = pmm::NormalProcess::observe(x, alpha, pmm::normal_draw(u));
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        sum_alpha_y += alpha * y;
      }
      const double batch = p.posterior_mean(sum_alpha_y, A);
      INFO(sched->describe() << " path " << path << " online " << mu << " batch " << batch);
      CHECK(std::abs(mu - batch) <= 1e-12 * std::max(1.0, std::abs(batch)));
      CHECK(A == doctest::Approx(sched->F(1.0)).epsilon(1e-12));
    }
  }
}

TEST_CASE("gamma-poisson process: iterated online update equals (beta1 + N)/(beta2 + A); count recovers N") {
  // Same error argument as for the Normal update: 1e-12 relative. count(mu, F) = mu (beta2 + F) - beta1
  // multiplies that relative error by beta2 + F, so |count - N| <= 1e-12 (beta2 + F) mu + ulp(N) < 1e-8.
  for (const auto& sched : {pmm::exponential_schedule(), pmm::constant_schedule(40.0)}) {
    pmm::GammaPoissonProcess p;
    p.schedule = sched;
    const int n = 400;
    const auto t = uniform_grid(n);
    for (std::uint64_t path = 0; path < 20; ++path) {
      pmm::UniformStream u(12, path, 0, pmm::Stream::kUser, 0);
      const double x = 0.05 + 3.0 * u.next();
      double mu = p.initial_mean(), A = 0, N = 0;
      for (int s = 1; s <= n; ++s) {
        const double alpha = sched->alpha(t[s - 1], t[s]);
        const double y = pmm::poisson_draw(u, alpha * x);
        mu = p.update(mu, y, A, alpha);
        A += alpha;
        N += y;
        const double recovered = p.count(mu, A);
        if (std::abs(recovered - N) > 1e-8) {
          FAIL_CHECK("count(mu, A) = " << recovered << " but N = " << N << " at step " << s);
          break;
        }
      }
      const double batch = p.posterior_mean(N, A);
      INFO(sched->describe() << " path " << path << " N = " << N);
      CHECK(std::abs(mu - batch) <= 1e-12 * std::max(1.0, batch));
      CHECK(std::round(p.count(mu, A)) == N);
    }
  }
  pmm::GammaPoissonProcess p;
  p.schedule = pmm::exponential_schedule();
  CHECK(p.initial_mean() == doctest::Approx(0.05).epsilon(1e-15));
  CHECK(p.count(p.initial_mean(), 0.0) == doctest::Approx(0.0).epsilon(1e-15));
}

TEST_CASE("normal process: exact transition is the composition of small online updates") {
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  const double t0 = 0.3, t1 = 0.8, F0 = p.schedule->F(t0), F1 = p.schedule->F(t1);
  const auto tr = p.transition(F0, F1);
  const int m = 200;  // sub-steps of [t0, t1]
  std::vector<double> F(m + 1);
  for (int k = 0; k <= m; ++k) F[k] = p.schedule->F(t0 + (t1 - t0) * k / m);

  SUBCASE("algebra: keep, gain and variance compose exactly (1e-12 relative)") {
    // After m updates mu = K mu0 + G x + sum_k c_k eps_k; K, G and sum c_k^2 are products and sums of
    // m rational terms, each with a few ulp of error: 1e-12 is ~20x the accumulated bound.
    double K = 1, G = 0, V = 0;
    for (int k = 1; k <= m; ++k) {
      const double alpha = F[k] - F[k - 1];
      const double keep = (p.b + F[k - 1]) / (p.b + F[k]), w = alpha / (p.b + F[k]);
      // y = x + eps / sqrt(alpha): mu <- keep mu + w x + (w / sqrt(alpha)) eps
      K *= keep;
      G = keep * G + w;
      V = keep * keep * V + w * w / alpha;
    }
    CHECK(K == doctest::Approx(tr.keep).epsilon(1e-12));
    CHECK(G == doctest::Approx(tr.gain).epsilon(1e-12));
    CHECK(V == doctest::Approx(tr.scale * tr.scale).epsilon(1e-12));
    // From mu(0) = 0 the law is N(c x, v): c = F/(b + F), v = F/(b + F)^2.
    const auto from0 = p.transition(0.0, F1);
    CHECK(from0.gain == doctest::Approx(p.c(F1)).epsilon(1e-15));
    CHECK(from0.scale * from0.scale == doctest::Approx(p.v(F1)).epsilon(1e-14));
  }

  SUBCASE("law: simulated small updates match N(keep mu0 + gain x, scale^2) (z-test, chi-square, KS)") {
    const double mu0 = 0.4, x = -1.3;
    const int reps = 20000;
    std::vector<double> mu1(reps);
    for (int r = 0; r < reps; ++r) {
      pmm::UniformStream u(21, static_cast<std::uint64_t>(r), 0, pmm::Stream::kUser, 0);
      double mu = mu0;
      for (int k = 1; k <= m; ++k) {
        const double alpha = F[k] - F[k - 1];
        mu = p.update(mu, pmm::NormalProcess::observe(x, alpha, pmm::normal_draw(u)), F[k - 1], alpha);
      }
      mu1[r] = mu;
    }
    const double m_exact = tr.keep * mu0 + tr.gain * x, s_exact = tr.scale;
    const double z = (pmm_test::mean(mu1) - m_exact) / (s_exact / std::sqrt(reps));
    const double p_var = pmm_test::variance_p_value(pmm_test::variance(mu1), s_exact * s_exact, reps);
    const auto ks = pmm_test::ks_test(mu1, [&](double v) { return pmm_test::normal_cdf((v - m_exact) / s_exact); });
    INFO("z = " << z << " p(variance) = " << p_var << " KS p = " << ks.p_value);
    CHECK(pmm_test::z_p_value(z) > pmm_test::kMinP);
    CHECK(p_var > pmm_test::kMinP);
    CHECK(ks.p_value > pmm_test::kMinP);
  }
}

TEST_CASE("processes: continuous-time coefficients are the derivatives of the exact laws") {
  // Central differences with h = 1e-5 have truncation error ~h^2 |third derivative| and round-off
  // ~1e-16/h relative: 1e-6 relative covers both for these smooth schedules.
  const double h = 1e-5;
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  for (double t : {0.2, 0.6, 0.95}) {
    const double mu = 0.3, x = 1.1;
    // Mean of mu(t + h) given mu(t) and x: keep mu + gain x; its derivative in h is the drift.
    auto mean_at = [&](double dt) {
      const auto tr = p.transition(p.schedule->F(t), p.schedule->F(t + dt));
      return tr.keep * mu + tr.gain * x;
    };
    const double dmean = (mean_at(h) - mean_at(-h)) / (2 * h);
    CHECK(p.drift(t, mu, x) == doctest::Approx(dmean).epsilon(1e-6));
    // d/dh of Var = scale^2 at h = 0 is diffusion^2. One-sided, so the truncation error is first order:
    // hv (f'/f + 2 f/(b + F)) <= 1e-7 * 39, round-off ~1e-16/hv: 1e-5 relative covers both.
    const double hv = 1e-7;
    const auto tr = p.transition(p.schedule->F(t), p.schedule->F(t + hv));
    CHECK(p.diffusion(t) * p.diffusion(t) == doctest::Approx(tr.scale * tr.scale / hv).epsilon(1e-5));
  }
  pmm::GammaPoissonProcess q;
  q.schedule = pmm::exponential_schedule();
  for (double t : {0.2, 0.6, 0.95}) {
    const double N = 7;
    auto mu_at = [&](double s) { return q.posterior_mean(N, q.schedule->F(s)); };
    const double mu = mu_at(t);
    CHECK(q.drift(t, mu) == doctest::Approx((mu_at(t + h) - mu_at(t - h)) / (2 * h)).epsilon(1e-6));
    CHECK(q.jump_size(t) == doctest::Approx(q.posterior_mean(N + 1, q.schedule->F(t)) - mu).epsilon(1e-12));
    CHECK(q.keep(q.schedule->F(0.1), q.schedule->F(t)) * mu_at(0.1) == doctest::Approx(mu).epsilon(1e-14));
    CHECK(q.intensity(t, 2.5) == doctest::Approx(2.5 * q.schedule->f(t)).epsilon(1e-15));
  }
}
