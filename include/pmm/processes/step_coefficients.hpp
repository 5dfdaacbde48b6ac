// Per-step schedule values of a grid step [t0, t1]: dt, F(t0), F(t1), f(t0), f(t1) and F at the midpoint.
// Computed once per step on the host (the Schedule is a virtual class) and handed to the per-element updates,
// on the CPU and inside device kernels alike: alpha = F1 - F0 is the step's exact precision (never f dt).
#pragma once
#include <pmm/core/hd.hpp>

namespace pmm {

struct StepCoefficients {
  double t0, t1, dt, F0, F1, f0, f1;
  double Fh;  // F((t0 + t1)/2), used by midpoint schemes
};

}  // namespace pmm
