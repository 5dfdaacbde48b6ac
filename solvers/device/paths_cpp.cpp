// The path kernels built by g++ for Thrust's CPP system: the same source as the CUDA build (path_kernel.inl),
// run on the host, so the CPU-only tests exercise the device algorithm, functors and counters on every commit.
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_CPP
#define PMM_RUN_PATHS run_paths_cpp
#include "path_kernel.inl"
