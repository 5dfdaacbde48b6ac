// The path kernels built by g++ for Thrust's OpenMP system: the same source as the CUDA build (path_kernel.inl),
// paths spread over the host's cores by OpenMP.
#define THRUST_CUB_WRAPPED_NAMESPACE pmm_thrust_omp  // as in paths_cpp.cpp: one Thrust per device system
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#define PMM_RUN_PATHS run_paths_omp
#include "path_kernel.inl"
