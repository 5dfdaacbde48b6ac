// PMM_HD marks a function that runs on the host and on a CUDA device: `__host__ __device__` under nvcc,
// nothing elsewhere. Process traits, the per-element solver updates, the counter-based random numbers and
// the samplers carry it, so the CPU loops, the Thrust functors (CUDA, CPP or OMP system) and the training
// code call the very same lines.
#pragma once

#if defined(__CUDACC__)
#define PMM_HD __host__ __device__
#else
#define PMM_HD
#endif

namespace pmm {
// Math functions callable from both sides without std:: (device code has no std::sqrt overload set in C++17
// mode of every nvcc; the global ::sqrt, ::log, ... are declared by CUDA's math headers and by <cmath>).
}  // namespace pmm
