// The path kernels built by g++ for Thrust's CPP system: the same source as the CUDA build (path_kernel.inl),
// run on the host, so the CPU-only tests exercise the device algorithm, functors and counters on every commit.
// Thrust's own classes (device_vector, its allocator and memory resource) are named alike for every device system,
// so this build and the OpenMP one, linked into one program, would break the one-definition rule (UBSan's vptr check
// caught the OMP build's memory resource called through the CPP build's code); each wraps Thrust in its own namespace.
#define THRUST_CUB_WRAPPED_NAMESPACE pmm_thrust_cpp
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_CPP
#define PMM_RUN_PATHS run_paths_cpp
#include "path_kernel.inl"
