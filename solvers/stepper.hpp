// The stepper concept: a stateless struct with
//   int step(const Process&, const Predictor&, Batch& mu, Index path0, const StepInfo&, const NoiseSource&,
//            Workspace&) const;   // advances mu (dim x n) from t0 to t1, returns predictor evaluations made
// plus constants kName, kStrongOrder, kWeakOrder (given x, for the process it declares them on).
// Steppers hold no time, no trajectory and no random state: integrate() drives them.
#pragma once
#include "models/predictor.hpp"
#include "processes/batch.hpp"
#include "solvers/noise.hpp"

namespace pmm {

// Scratch buffers reused across steps of one chunk (no allocation inside the step loop).
struct Workspace {
  Batch g, g2, xi, tmp;
  void resize(Index dim, Index n) {
    for (Batch* b : {&g, &g2, &xi, &tmp}) b->resize(dim, n);
  }
};

// Per-step schedule values, computed once per step for all paths.
struct StepCoefficients {
  double t0, t1, dt, F0, F1, f0, f1;
  template <class Process>
  static StepCoefficients of(const Process& p, const StepInfo& s) {
    const auto& sc = *p.schedule;
    return {s.t0, s.t1, s.t1 - s.t0, sc.F(s.t0), sc.F(s.t1), sc.f(s.t0), sc.f(s.t1)};
  }
};

}  // namespace pmm
