// A consumer of the installed library: its own target (a two-point set, its own exact predictor written here)
// sampled with pmm's Normal process and Heun solver. Prints the fraction of samples near each point and exits
// non-zero when they are off the weights 0.25 / 0.75 by more than 4 standard errors.
#include <cmath>
#include <cstdio>

#include <pmm/processes/normal.hpp>
#include <pmm/random/noise.hpp>
#include <pmm/solvers/heun.hpp>
#include <pmm/solvers/integrate.hpp>

// E[x | mu(t)] for x in {-1, +1} with weights 0.25, 0.75: logit = log w + (b + F) x mu - F x^2 / 2.
class TwoPoints final : public pmm::Predictor {
 public:
  explicit TwoPoints(pmm::NormalProcess p) : p_(std::move(p)) {}
  pmm::Index dim() const override { return 1; }
  void predict(const pmm::Batch& mu, double t, pmm::Index, pmm::Batch& out) const override {
    const double F = p_.schedule->F(t);
    for (pmm::Index j = 0; j < mu.cols(); ++j) {
      const double a = std::log(0.25) - (p_.b + F) * mu(0, j), b = std::log(0.75) + (p_.b + F) * mu(0, j);
      const double m = std::max(a, b), ea = std::exp(a - m), eb = std::exp(b - m);
      out(0, j) = (eb - ea) / (ea + eb);
    }
  }
  std::string describe() const override { return "two points (consumer's own)"; }

 private:
  pmm::NormalProcess p_;
};

int main() {
  pmm::NormalProcess p;
  p.schedule = pmm::exponential_schedule();
  const TwoPoints g(p);
  pmm::IntegrateOptions opt;
  for (int i = 0; i <= 200; ++i) opt.grid.push_back(i / 200.0);
  opt.denoise = true;
  const pmm::Index n = 20000;
  const auto res = pmm::integrate(pmm::Heun{}, p, g, pmm::PhiloxNoise(1), n, opt);
  const double up = (res.final > 0).cast<double>().mean();
  const double se = std::sqrt(0.75 * 0.25 / n);
  std::printf("consumer: %lld samples, fraction at +1: %.4f (expected 0.75 +- %.4f), NFE %lld\n",
              static_cast<long long>(n), up, se, static_cast<long long>(res.nfe_max));
  return std::abs(up - 0.75) < 4 * se ? 0 : 1;
}
