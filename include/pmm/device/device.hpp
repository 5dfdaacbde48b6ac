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

struct DeviceSpec {
  DeviceKind kind = DeviceKind::kCpu;
  int index = 0;  // CUDA device ordinal
};

// "cpu" | "thrust-cpp" | "thrust-omp" | "cuda" | "cuda:N". Throws pmm::Error naming `what`.
DeviceSpec parse_device(const std::string& spec, const std::string& what = "device");
std::string device_name(const DeviceSpec& d);
// True when the CUDA back end was built and a usable GPU is present; otherwise false with the reason in *why.
bool cuda_available(std::string* why = nullptr);
// True when the Thrust path kernels were built (Thrust's headers were found at configure time).
bool thrust_available();

// What the path kernels evaluate as g(mu, t): x itself (the conditional process) or a finite-set oracle.
struct DevicePredictor {
  enum class Kind { kGivenX, kFiniteSet } kind = Kind::kGivenX;
  Batch x;                  // kGivenX: dim x paths
  Batch points;             // kFiniteSet: dim x K atoms
  Eigen::VectorXd weights;  // kFiniteSet: K weights (empty: equal)
  Index dim() const { return kind == Kind::kGivenX ? x.rows() : points.rows(); }
};

// Runs `solver` on `process` for `paths` paths on the device: same grid, save points, final denoise, initial
// state and NFE count as integrate(); threads, chunk and progress are ignored (the device decides).
// Throws pmm::Error (argument "device") when the device is unavailable or the pair is not on the device.
Solution device_solve(const AnyProcess& process, const std::string& solver, const DevicePredictor& pred,
                      std::uint64_t seed, Index paths, const IntegrateOptions& opt, const DeviceSpec& device);

// Benchmark: seconds to draw one counter-based normal per (path, step) on the device and nothing else (the
// throughput ceiling of a Normal SDE step).
double device_normals_roofline(std::uint64_t seed, Index paths, int steps, const DeviceSpec& device);

}  // namespace pmm
