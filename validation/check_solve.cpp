// check_solve(): mu(1) of solve(process, solver, pred, PhiloxNoise(seed)) on the CPU, or of the same pair through
// the device path kernels when ctx.device is a device, device_supports() the pair and pred is a finite-set oracle or
// given x (the predictors the kernels evaluate themselves).
#include "validation/check_solve.hpp"

#include <pmm/models/oracles/oracle.hpp>
#include <pmm/random/noise.hpp>

namespace pmm {

Solution check_solve(const CheckContext& ctx, const AnyProcess& process, const std::string& solver,
                     const Predictor& pred, std::uint64_t seed, Index paths, const IntegrateOptions& opt) {
  DevicePredictor dp;
  bool on_device = ctx.device.kind != DeviceKind::kCpu && device_supports(process_name(process), solver);
  if (on_device) {
    if (const auto* given = dynamic_cast<const GivenX*>(&pred)) {
      dp.kind = DevicePredictor::Kind::kGivenX;
      dp.x = given->x();
    } else if (const auto* oracle = dynamic_cast<const Oracle*>(&pred)) {
      dp.kind = DevicePredictor::Kind::kFiniteSet;
      on_device = oracle->atoms(&dp.points, &dp.weights);
    } else {
      on_device = false;
    }
  }
  if (ctx.ran_on) ctx.ran_on->insert(on_device ? device_name(ctx.device) : "cpu");
  if (on_device) return device_solve(process, solver, dp, seed, paths, opt, ctx.device);
  return solve(process, solver, pred, PhiloxNoise(seed), paths, opt);
}

}  // namespace pmm
