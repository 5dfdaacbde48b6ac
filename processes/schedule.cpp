// Schedules f(t) and exact integrals F(t); time grids on [0, 1].
// Exponential: F = a (e^{k t} - 1)/k via expm1 (exact near t = 0); linear: F = a (t + b t^2/2);
// piecewise linear: F is the trapezoid sum, exact for a piecewise-linear f.
#include <pmm/processes/schedule.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

bool finite(double v) { return std::isfinite(v); }

class Exponential final : public Schedule {
 public:
  Exponential(double a, double k) : a_(a), k_(k) {}
  double f(double t) const override { return a_ * std::exp(k_ * t); }
  double F(double t) const override { return k_ == 0 ? a_ * t : a_ * std::expm1(k_ * t) / k_; }
  std::string describe() const override { return fmt::format("exponential:a={},k={}", a_, k_); }

 private:
  double a_, k_;
};

class Linear final : public Schedule {
 public:
  Linear(double a, double b) : a_(a), b_(b) {}
  double f(double t) const override { return a_ * (1 + b_ * t); }
  double F(double t) const override { return a_ * (t + 0.5 * b_ * t * t); }
  std::string describe() const override { return fmt::format("linear:a={},b={}", a_, b_); }

 private:
  double a_, b_;
};

class Constant final : public Schedule {
 public:
  explicit Constant(double c) : c_(c) {}
  double f(double) const override { return c_; }
  double F(double t) const override { return c_ * t; }
  std::string describe() const override { return fmt::format("constant:c={}", c_); }

 private:
  double c_;
};

class Staircase final : public Schedule {
 public:
  Staircase(double a, double b, double c) : a_(a), b_(b), c_(c) {}
  double f(double t) const override { return a_ * (1 + b_ * std::floor(t / c_)); }
  double F(double t) const override {
    // Sum over completed stairs k = 0..m-1 of a (1 + b k) c, plus the current partial stair.
    const double m = std::floor(t / c_);
    const double full = a_ * c_ * (m + b_ * m * (m - 1) / 2);
    return full + a_ * (1 + b_ * m) * (t - m * c_);
  }
  std::string describe() const override { return fmt::format("staircase:a={},b={},c={}", a_, b_, c_); }

 private:
  double a_, b_, c_;
};

class PiecewiseLinear final : public Schedule {
 public:
  PiecewiseLinear(std::vector<double> t, std::vector<double> f) : t_(std::move(t)), f_(std::move(f)) {
    cum_.assign(t_.size(), 0.0);
    for (size_t i = 1; i < t_.size(); ++i)
      cum_[i] = cum_[i - 1] + 0.5 * (f_[i] + f_[i - 1]) * (t_[i] - t_[i - 1]);
  }
  double f(double t) const override {
    const size_t i = segment(t);
    const double w = (t - t_[i]) / (t_[i + 1] - t_[i]);
    return f_[i] + w * (f_[i + 1] - f_[i]);
  }
  double F(double t) const override {
    const size_t i = segment(t);
    const double h = t - t_[i];
    const double slope = (f_[i + 1] - f_[i]) / (t_[i + 1] - t_[i]);
    return cum_[i] + f_[i] * h + 0.5 * slope * h * h;
  }
  std::string describe() const override { return fmt::format("table:{}points", t_.size()); }

 private:
  size_t segment(double t) const {
    auto it = std::upper_bound(t_.begin(), t_.end(), t);
    size_t i = it == t_.begin() ? 0 : static_cast<size_t>(it - t_.begin()) - 1;
    return std::min(i, t_.size() - 2);
  }
  std::vector<double> t_, f_, cum_;
};

std::map<std::string, double> parse_params(const std::string& text, const std::string& option,
                                           const std::map<std::string, double>& defaults) {
  std::map<std::string, double> out = defaults;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    const auto eq = item.find('=');
    require(eq != std::string::npos, option, fmt::format("expected key=value, got '{}'", item));
    const std::string key = item.substr(0, eq);
    require(defaults.count(key) > 0, option, fmt::format("unknown parameter '{}'", key));
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item.substr(eq + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require(used > 0 && used == item.size() - eq - 1 && finite(v), option,
            fmt::format("parameter '{}' needs a finite number, got '{}'", key, item.substr(eq + 1)));
    out[key] = v;
  }
  return out;
}

}  // namespace

SchedulePtr exponential_schedule(double a, double k) {
  require(finite(a) && a > 0, "exponential schedule", fmt::format("a must be > 0, got {}", a));
  require(finite(k) && std::abs(k) <= 50, "exponential schedule", fmt::format("k must be in [-50, 50], got {}", k));
  return std::make_shared<Exponential>(a, k);
}

SchedulePtr linear_schedule(double a, double b) {
  require(finite(a) && a > 0, "linear schedule", fmt::format("a must be > 0, got {}", a));
  require(finite(b) && b >= -1, "linear schedule", fmt::format("b must be >= -1 so f >= 0 on [0,1], got {}", b));
  return std::make_shared<Linear>(a, b);
}

SchedulePtr constant_schedule(double c) {
  require(finite(c) && c > 0, "constant schedule", fmt::format("c must be > 0, got {}", c));
  return std::make_shared<Constant>(c);
}

SchedulePtr staircase_schedule(double a, double b, double c) {
  require(finite(a) && a > 0, "staircase schedule", fmt::format("a must be > 0, got {}", a));
  require(finite(b) && b >= 0, "staircase schedule", fmt::format("b must be >= 0, got {}", b));
  require(finite(c) && c > 0 && c <= 1, "staircase schedule", fmt::format("c must be in (0, 1], got {}", c));
  return std::make_shared<Staircase>(a, b, c);
}

SchedulePtr piecewise_linear_schedule(std::vector<double> t, std::vector<double> f) {
  const std::string what = "table schedule";
  require(t.size() == f.size() && t.size() >= 2, what, "needs at least two (t, f) points");
  require(t.front() == 0.0 && t.back() == 1.0, what, "t must start at 0 and end at 1");
  for (size_t i = 0; i < t.size(); ++i) {
    require(finite(t[i]) && finite(f[i]) && f[i] >= 0, what,
            fmt::format("point {} must have finite t and f >= 0", i + 1));
    if (i > 0) require(t[i] > t[i - 1], what, fmt::format("t must increase strictly (point {})", i + 1));
  }
  bool positive = false;
  for (double v : f) positive = positive || v > 0;
  require(positive, what, "f must be positive somewhere");
  return std::make_shared<PiecewiseLinear>(std::move(t), std::move(f));
}

SchedulePtr piecewise_linear_schedule_from_file(const std::string& path) {
  std::ifstream in(path);
  require(in.good(), path, "cannot open schedule table");
  std::vector<double> t, f;
  std::string line;
  int lineno = 0;
  // Every line is blank, a comment, or exactly two finite numbers "t f" (blanks or a comma between):
  // anything else (a header without '#', "nan 3", "O.7 2") is refused naming the line.
  auto number = [&](const std::string& token, double& v) {
    const char* begin = token.c_str();
    char* end = nullptr;
    errno = 0;
    v = std::strtod(begin, &end);
    return end != begin && *end == '\0' && errno != ERANGE && finite(v);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (auto h = line.find('#'); h != std::string::npos) line.resize(h);
    std::replace(line.begin(), line.end(), ',', ' ');
    std::stringstream ss(line);
    std::vector<std::string> tokens;
    for (std::string token; ss >> token;) tokens.push_back(token);
    if (tokens.empty()) continue;
    double a = 0, b = 0;
    require(tokens.size() == 2 && number(tokens[0], a) && number(tokens[1], b), path,
            fmt::format("line {}: expected two finite numbers 't f' (comments start with '#'), got '{}'", lineno,
                        line.substr(0, 60)));
    t.push_back(a);
    f.push_back(b);
  }
  try {
    return piecewise_linear_schedule(std::move(t), std::move(f));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

void check_schedule(const Schedule& s, const std::string& what) {
  constexpr int kPoints = 1024;
  double last = 0;
  for (int i = 0; i <= kPoints; ++i) {
    const double t = static_cast<double>(i) / kPoints;
    const double F = s.F(t), f = s.f(t);
    require(std::isfinite(F) && std::isfinite(f) && f >= 0, what,
            fmt::format("{}: f or F is not finite or f < 0 at t = {}", s.describe(), t));
    require(F >= last, what, fmt::format("{}: F decreases at t = {}", s.describe(), t));
    last = F;
  }
  require(s.F(0.0) == 0.0, what, fmt::format("{}: F(0) must be 0, got {}", s.describe(), s.F(0.0)));
  require(last <= kMaxScheduleF, what,
          fmt::format("{}: F(1) = {:g} is larger than {:g}: the solvers' coefficients (F^2, F x) would overflow",
                      s.describe(), last, kMaxScheduleF));
}

static SchedulePtr parse_schedule_unchecked(const std::string& spec, const std::string& option);

SchedulePtr parse_schedule(const std::string& spec, const std::string& option) {
  SchedulePtr s = parse_schedule_unchecked(spec, option);
  check_schedule(*s, option);
  return s;
}

static SchedulePtr parse_schedule_unchecked(const std::string& spec, const std::string& option) {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const std::string params = colon == std::string::npos ? "" : spec.substr(colon + 1);
  try {
    if (name == "exponential") {
      auto p = parse_params(params, option, {{"a", 13.0 / 250.0}, {"k", 13.0}});
      return exponential_schedule(p["a"], p["k"]);
    }
    if (name == "linear") {
      auto p = parse_params(params, option, {{"a", 0.01}, {"b", 2000.0}});
      return linear_schedule(p["a"], p["b"]);
    }
    if (name == "constant") {
      auto p = parse_params(params, option, {{"c", 10.0}});
      return constant_schedule(p["c"]);
    }
    if (name == "staircase") {
      auto p = parse_params(params, option, {{"a", 3.5}, {"b", 100.0}, {"c", 0.985}});
      return staircase_schedule(p["a"], p["b"], p["c"]);
    }
    if (name == "table") {
      require(!params.empty(), option, "table needs a file: table:FILE");
      return piecewise_linear_schedule_from_file(params);
    }
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(option, 0) == 0) throw;
    throw Error(option + ": " + msg);
  }
  throw Error(option + ": unknown schedule '" + name +
              "' (expected exponential, linear, constant, staircase, table:FILE)");
}

GridSpec parse_grid(const std::string& spec, const std::string& option) {
  GridSpec g;
  if (spec == "uniform") return g;
  if (spec == "uniform-precision") {
    g.kind = GridKind::kUniformPrecision;
    return g;
  }
  if (spec.rfind("power", 0) == 0) {
    g.kind = GridKind::kPower;
    if (spec.size() > 5) {
      auto p = parse_params(spec.substr(spec.find(':') == std::string::npos ? 5 : spec.find(':') + 1),
                            option, {{"rho", 2.0}});
      g.rho = p["rho"];
    }
    require(g.rho > 0, option, "power grid needs rho > 0");
    return g;
  }
  throw Error(option + ": unknown grid '" + spec + "' (expected uniform, uniform-precision, power:rho=R)");
}

std::vector<double> make_grid(const GridSpec& spec, const Schedule& schedule, int n) {
  require(n >= 1, "steps", fmt::format("must be >= 1, got {}", n));
  std::vector<double> t(n + 1);
  for (int i = 0; i <= n; ++i) {
    const double u = static_cast<double>(i) / n;
    switch (spec.kind) {
      case GridKind::kUniform: t[i] = u; break;
      case GridKind::kPower: t[i] = std::pow(u, 1.0 / spec.rho); break;
      case GridKind::kUniformPrecision: {
        // Solve F(t) = u F(1) by bisection: equal precision alpha_s = F(1)/n per step.
        const double target = u * schedule.F(1.0);
        double lo = 0, hi = 1;
        for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
          const double mid = 0.5 * (lo + hi);
          (schedule.F(mid) < target ? lo : hi) = mid;
        }
        t[i] = 0.5 * (lo + hi);
        break;
      }
    }
  }
  t.front() = 0.0;
  t.back() = 1.0;
  for (int i = 1; i <= n; ++i)
    require(t[i] > t[i - 1], "grid", "time grid is not strictly increasing (too many steps for this grid)");
  return t;
}

}  // namespace pmm
