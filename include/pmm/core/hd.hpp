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
