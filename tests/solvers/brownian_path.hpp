// A NoiseSource that drives every uniform grid dividing a fixed fine grid with one Brownian path per
// sample path: the fine increments dW_i = sqrt(1/M) z_i (z Philox-keyed on (seed, path, fine index)) are
// stored, and a coarse step s of n steps receives xi = (sum of its M/n fine increments)/sqrt(1/n).
// Nested-grid convergence tests (strong and coupled weak order) use it, as diffrax's tests do.
#pragma once
#include <cmath>
#include <stdexcept>
#include <vector>

#include <pmm/random/noise.hpp>

namespace pmm_test {

class FineBrownianPath final : public pmm::NoiseSource {
 public:
  FineBrownianPath(std::uint64_t seed, int fine_steps, pmm::Index paths)
      : seed_(seed), fine_(fine_steps), dW_(fine_steps, paths) {
    pmm::Batch row(1, paths);
    for (int i = 0; i < fine_; ++i) {
      pmm::fill_normals(seed, pmm::Stream::kUser, static_cast<std::uint32_t>(i), 0, row);
      dW_.row(i) = row * std::sqrt(1.0 / fine_);
    }
  }
  // out is 1 x n (the tests are one-dimensional).
  void normals(const pmm::StepInfo& s, pmm::Index path0, pmm::Batch& out) const override {
    if (out.rows() != 1 || fine_ % static_cast<int>(s.count) != 0)
      throw std::logic_error("FineBrownianPath: 1-D only, and the step count must divide the fine grid");
    const int r = fine_ / static_cast<int>(s.count);
    const double scale = 1.0 / std::sqrt(1.0 / s.count);
    for (pmm::Index j = 0; j < out.cols(); ++j)
      out(0, j) = dW_.col(path0 + j).segment(static_cast<pmm::Index>(s.index) * r, r).sum() * scale;
  }
  double poisson(const pmm::StepInfo&, pmm::Index, pmm::Index, double) const override {
    throw std::logic_error("FineBrownianPath has no Poisson counts");
  }
  std::uint64_t seed() const override { return seed_; }

  int fine_steps() const { return fine_; }
  // sum_i g_i dW_i(path): the stochastic integral of a deterministic integrand whose cell averages are g.
  double integral(const std::vector<double>& g, pmm::Index path) const {
    double s = 0;
    for (int i = 0; i < fine_; ++i) s += g[i] * dW_(i, path);
    return s;
  }

 private:
  std::uint64_t seed_;
  int fine_;
  Eigen::ArrayXXd dW_;  // fine_ x paths
};

}  // namespace pmm_test
