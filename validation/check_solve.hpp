// Where a check's solver runs: pmm::solve() with PhiloxNoise(seed), or the same (process, solver) pair on
// CheckContext::device through device_solve() when the device has a kernel for it and the predictor is one the
// kernels evaluate (a finite-set oracle, or given x). Both draw the same counter streams (key = seed, counter =
// (path, step, draw)), so a check's statistics agree between back ends to rounding (~1e-12 in the states).
#pragma once
#include <cstdint>
#include <string>

#include <pmm/models/predictor.hpp>
#include <pmm/solvers/registry.hpp>
#include "validation/checks.hpp"

namespace pmm {

// Records where it ran in *ctx.ran_on (when set).
Solution check_solve(const CheckContext& ctx, const AnyProcess& process, const std::string& solver,
                     const Predictor& pred, std::uint64_t seed, Index paths, const IntegrateOptions& opt);

}  // namespace pmm
