// The softmax cutoff of the finite-set oracles, shared by the CPU (column_ops.cpp) and the device kernels
// (solvers/device/path_kernel.inl): r_i = exp(l_i - max_j l_j) is dropped when r_i < 2^-53, since a term below
// the unit roundoff of the largest (which is 1) cannot change the sum the weights are normalised by. A posterior
// concentrated on one atom then returns that atom exactly: a zero count prints 0, not 1e-308.
#pragma once

namespace pmm {

inline constexpr double kNegligibleWeight = 0x1p-53;

}  // namespace pmm
