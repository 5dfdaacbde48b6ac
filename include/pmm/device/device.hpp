// The device back end's host interface (no Thrust, no CUDA headers): run an SDE solver on paths as Thrust path
// kernels, on CUDA (nvcc build) or on Thrust's CPP system (g++ build of the same kernel source, which the CPU-only
// tests run against the CPU core seed for seed). Draws use the same counter streams as the CPU (random/), so a
// path's result depends on the seed alone: uniforms and integer jump counts bitwise, normals to rounding (~1e-16).
#pragma once
#include <cstdint>
#include <string>

#include <pmm/core/batch.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {

enum class DeviceKind { kCpu, kThrustCpp, kThrustOmp, kCuda };
// The kernels' number type: f64, or f32 (state, scratch, trajectory and normals in float32; the Normal process's SDE
// solvers only), which agrees with f64 to float rounding (~1e-6 relative on a step, tests/device).
enum class Precision { kF64, kF32 };

struct DeviceSpec {
  DeviceKind kind = DeviceKind::kCpu;
  int index = 0;  // CUDA device ordinal
  Precision precision = Precision::kF64;
};

// "cpu" | "thrust-cpp" | "thrust-omp" | "cuda" | "cuda:N". Throws pmm::Error naming `what`.
DeviceSpec parse_device(const std::string& spec, const std::string& what = "device");
std::string device_name(const DeviceSpec& d);
// "f64" | "f32". Throws pmm::Error naming `what`.
Precision parse_precision(const std::string& spec, const std::string& what = "precision");
std::string precision_name(Precision p);
// True when the CUDA back end was built and a usable GPU is present; otherwise false with the reason in *why.
bool cuda_available(std::string* why = nullptr);
// True when the Thrust path kernels were built (Thrust's headers were found at configure time).
bool thrust_available();
// Throws pmm::Error naming `what` when `device` cannot run here (cuda without a usable GPU or without a CUDA build,
// thrust-* without the Thrust kernels); cpu always can. For apps to refuse before any work.
void require_device(const DeviceSpec& device, const std::string& what = "device");

// What the path kernels evaluate as g(mu, t): x itself (the conditional process) or a finite-set oracle.
struct DevicePredictor {
  enum class Kind { kGivenX, kFiniteSet } kind = Kind::kGivenX;
  Batch x;                  // kGivenX: dim x paths
  Batch points;             // kFiniteSet: dim x K atoms
  Eigen::VectorXd weights;  // kFiniteSet: K weights (empty: equal)
  Index dim() const { return kind == Kind::kGivenX ? x.rows() : points.rows(); }
};

// Runs `solver` on `process` for `paths` paths on the device, as solve() does on the CPU: an SDE solver with the
// same grid, save points, final denoise, initial state and NFE count as integrate(); or, for the normal process, the
// fixed-step probability-flow ODE solvers ode-rk4 and ode-heun with flow's clock and start precision (one step per
// interval of opt.grid, equal steps in the clock, as probability_flow(); no trajectory). The adaptive "ode" (dopri5)
// runs on the CPU only. threads, chunk and progress are ignored (the device decides).
// Throws pmm::Error (argument "device") when the device is unavailable or the pair is not on the device ("solver"
// for the adaptive ODE, "precision" for f32 off the Normal SDE).
Solution device_solve(const AnyProcess& process, const std::string& solver, const DevicePredictor& pred,
                      std::uint64_t seed, Index paths, const IntegrateOptions& opt, const DeviceSpec& device,
                      const ProbabilityFlowOptions& flow = {});
// Whether device_solve runs `solver` on `process` (by name; the SDE pairs of the registry and ode-rk4, ode-heun).
bool device_supports(const std::string& process, const std::string& solver);

// Benchmark: seconds to draw one counter-based normal per (path, step) on the device and nothing else (the
// throughput ceiling of a Normal SDE step).
double device_normals_roofline(std::uint64_t seed, Index paths, int steps, const DeviceSpec& device);

}  // namespace pmm
