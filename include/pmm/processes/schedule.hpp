// Precision schedules: rate f(t) >= 0 on [0, 1] and its exact integral F(t) = int_0^t f(s) ds.
// Per-step precisions are differences alpha_s = F(t_s) - F(t_{s-1}) (exact, never f(t) dt).
// Exponential (paper default): f = (13/250) e^{13 t}, F = (e^{13 t} - 1)/250, F(1) ~ 1769.65.
#pragma once
#include <memory>
#include <string>
#include <vector>

namespace pmm {

class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual double f(double t) const = 0;      // rate
  virtual double F(double t) const = 0;      // integral from 0, exact
  virtual std::string describe() const = 0;  // e.g. "exponential(a=0.052,k=13)"
  double alpha(double t0, double t1) const { return F(t1) - F(t0); }
};

using SchedulePtr = std::shared_ptr<const Schedule>;

// f = a e^{k t}; F = a (e^{k t} - 1)/k. Paper: a = 13/250, k = 13.
SchedulePtr exponential_schedule(double a = 13.0 / 250.0, double k = 13.0);
// f = a (1 + b t); F = a (t + b t^2 / 2). Text paper schedule: a = 0.01, b = 2000.
SchedulePtr linear_schedule(double a, double b);
// f = c; F = c t.
SchedulePtr constant_schedule(double c);
// f piecewise linear through (t_i, f_i) with t_0 = 0, t_last = 1, f_i >= 0; F by the trapezoid rule (exact).
SchedulePtr piecewise_linear_schedule(std::vector<double> t, std::vector<double> f);
// Reads "t f" pairs (whitespace or comma separated, '#' comments) from a file.
SchedulePtr piecewise_linear_schedule_from_file(const std::string& path);
// Staircase f = a (1 + b floor(t / c)) (text paper: a = 3.5, b = 100, c = 0.985).
SchedulePtr staircase_schedule(double a, double b, double c);

// Parses "exponential", "exponential:a=0.052,k=13", "linear:a=0.01,b=2000", "constant:c=5",
// "table:FILE", "staircase:a=3.5,b=100,c=0.985". Throws pmm::Error naming `option`.
SchedulePtr parse_schedule(const std::string& spec, const std::string& option = "--schedule");

// Largest accepted F(1). Products such as F^2 and F x in the solvers' coefficients overflow double
// long before 1e308 (constant:c=1e308 gave samples of mean 6e288); 1e30 keeps them far from it and
// is above every useful schedule (exponential k = 50, the largest k accepted, has F(1) = 5.4e18 and
// samples right; a constant F(1) of 1e20 is already wrong with 20 steps: accuracy is not promised
// near the bound).
inline constexpr double kMaxScheduleF = 1e30;
// Throws pmm::Error "<what>: ..." unless f and F are finite with f >= 0, F(0) = 0, F non-decreasing
// (1025 points on [0, 1]) and F(1) <= kMaxScheduleF. parse_schedule applies it to every spec.
void check_schedule(const Schedule& schedule, const std::string& what);

// Time grids on [0, 1], n steps, n + 1 points, strictly increasing, first 0, last 1.
enum class GridKind { kUniform, kUniformPrecision, kPower };
struct GridSpec {
  GridKind kind = GridKind::kUniform;
  double rho = 2.0;  // kPower: t_i = (i/n)^(1/rho), denser near t = 1 for rho > 1
};
GridSpec parse_grid(const std::string& spec, const std::string& option = "--grid");
std::vector<double> make_grid(const GridSpec& spec, const Schedule& schedule, int n);

}  // namespace pmm
