// Per-position schedules. Semi-autoregressive: F_c(t) = sp(z_t) - sp(z_0), z_t = (t - m_c)/w, inverted in
// closed form t = m_c + w sp^{-1}(E + sp(z_0)); shared core schedules are inverted by bisection on [0, 1].
#include <pmm/processes/text_schedules.hpp>

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include <pmm/core/error.hpp>

namespace pmm {

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

double softplus_inverse(double y) {
  // log(e^y - 1) = y + log(1 - e^{-y}); for tiny y, log(expm1(y)) keeps precision.
  return y > 1.0 ? y + std::log(-std::expm1(-y)) : std::log(std::expm1(y));
}

double PositionSchedule::inverse_F(int c, double E) const {
  if (!(E > 0)) return 0.0;
  if (F(c, 1.0) < E) return std::numeric_limits<double>::infinity();
  double lo = 0.0, hi = 1.0;  // invariant F(lo) < E <= F(hi)
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (F(c, mid) >= E ? hi : lo) = mid;
  }
  return hi;
}

namespace {

class Shared final : public PositionSchedule {
 public:
  explicit Shared(SchedulePtr s) : s_(std::move(s)) {}
  double f(int, double t) const override { return s_->f(t); }
  double F(int, double t) const override { return s_->F(t); }
  std::string describe() const override { return s_->describe(); }

 private:
  SchedulePtr s_;
};

class SemiAutoregressive final : public PositionSchedule {
 public:
  SemiAutoregressive(int length, double width) : C_(length), w_(width) {}
  double f(int c, double t) const override {
    const double z = (t - center(c)) / w_;
    // sigmoid(z) computed without overflow for either sign
    const double s = z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
    return s / w_;
  }
  double F(int c, double t) const override {
    const double m = center(c);
    return softplus((t - m) / w_) - softplus(-m / w_);
  }
  double inverse_F(int c, double E) const override {
    if (!(E > 0)) return 0.0;
    if (F(c, 1.0) < E) return std::numeric_limits<double>::infinity();
    const double m = center(c);
    const double t = m + w_ * softplus_inverse(E + softplus(-m / w_));
    return std::min(std::max(t, 0.0), 1.0);
  }
  std::string describe() const override { return fmt::format("semi-autoregressive:width={},length={}", w_, C_); }

 private:
  double center(int c) const { return static_cast<double>(c + 1) / C_; }
  int C_;
  double w_;
};

}  // namespace

PositionSchedulePtr shared_position_schedule(SchedulePtr schedule) {
  require(schedule != nullptr, "position schedule", "needs a schedule, got none");
  return std::make_shared<Shared>(std::move(schedule));
}

PositionSchedulePtr semi_autoregressive_schedule(int length, double width) {
  require(length >= 1, "semi-autoregressive schedule", fmt::format("length must be >= 1, got {}", length));
  require(std::isfinite(width) && width > 0 && width <= 1, "semi-autoregressive schedule",
          fmt::format("width must be in (0, 1], got {}", width));
  return std::make_shared<SemiAutoregressive>(length, width);
}

PositionSchedulePtr paper_text_linear_schedule() { return shared_position_schedule(linear_schedule(0.01, 2000.0)); }

PositionSchedulePtr paper_text_staircase_schedule() {
  return shared_position_schedule(staircase_schedule(3.5, 100.0, 0.985));
}

PositionSchedulePtr parse_position_schedule(const std::string& spec, int length, const std::string& option) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  if (name == "semi-ar" || name == "semi-autoregressive") {
    double width = 0.01;
    if (colon != std::string::npos) {
      const std::string param = spec.substr(colon + 1);
      require(param.rfind("width=", 0) == 0, option,
              fmt::format("semi-autoregressive takes only width=W, got '{}'", param));
      std::size_t used = 0;
      try {
        width = std::stod(param.substr(6), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      require(used > 0 && used == param.size() - 6, option, fmt::format("width needs a number, got '{}'", param));
    }
    try {
      return semi_autoregressive_schedule(length, width);
    } catch (const Error& e) {
      throw Error(option + ": " + e.what());
    }
  }
  return shared_position_schedule(parse_schedule(spec, option));
}

}  // namespace pmm
