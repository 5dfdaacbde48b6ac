// Per-position reveal schedules for the Dirichlet-Categorical (masked token) process: position c reveals
// at rate f_c(t) with exact integral F_c(t); P(c still masked at t) = exp(-F_c(t)) (paper A.3, eq. 119-122
// corrected). Semi-autoregressive (paper Table 5): f_c = sigmoid((t - m_c)/w)/w, F_c = sp((t - m_c)/w) - sp(-m_c/w),
// sp = softplus, m_c = (c + 1)/C for 0-based c (the paper's c/C with c = 1..C), w = 0.01.
#pragma once
#include <memory>
#include <string>

#include <pmm/processes/schedule.hpp>

namespace pmm {

class PositionSchedule {
 public:
  virtual ~PositionSchedule() = default;
  virtual double f(int c, double t) const = 0;  // rate of position c (0-based)
  virtual double F(int c, double t) const = 0;  // exact integral from 0
  // Reveal time for an Exp(1) clock E >= 0: the smallest t in [0, 1] with F_c(t) >= E, or +infinity when
  // F_c(1) < E (the position is still masked at t = 1). Default: bisection to double precision.
  virtual double inverse_F(int c, double E) const;
  virtual std::string describe() const = 0;
};

using PositionSchedulePtr = std::shared_ptr<const PositionSchedule>;

// The same core schedule for every position (F_c = F).
PositionSchedulePtr shared_position_schedule(SchedulePtr schedule);
// Semi-autoregressive: positions reveal left to right around t = (c + 1)/C; width w > 0.
PositionSchedulePtr semi_autoregressive_schedule(int length, double width = 0.01);
// The paper's text schedules: linear f = 0.01 (1 + 2000 t); staircase f = 3.5 (1 + 100 floor(t / 0.985)).
PositionSchedulePtr paper_text_linear_schedule();
PositionSchedulePtr paper_text_staircase_schedule();

// "semi-ar" | "semi-autoregressive[:width=W]" | any core spec (parse_schedule: "linear" defaults to the
// paper's text schedule, "staircase" too). length is C. Throws pmm::Error naming option.
PositionSchedulePtr parse_position_schedule(const std::string& spec, int length,
                                            const std::string& option = "--schedule");

// Numerically stable softplus log(1 + e^x) and its inverse log(e^y - 1) (y > 0).
double softplus(double x);
double softplus_inverse(double y);

}  // namespace pmm
