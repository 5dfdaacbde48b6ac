// Per-sample PMM losses (sum over coordinates), each a Bregman divergence minimised at g = E[x | mu(t)]:
// Normal ||x - g||^2; Gamma-Poisson g - x + x log(x/g) (= g - x log g + terms free of g);
// Inverse-Gamma-Gamma x/g - log(x/g) - 1 (= log g + x/g + terms free of g); Categorical
// sum_c 1[c masked] (-log g_c[x_c]). The training objective is mean_j weight_j * loss_j (weight = w(t)/q(t)).
#pragma once
#include <torch/types.h>

#include <pmm/models/torch/exact_law.hpp>

namespace pmm {

// g, x: [B, ...] (Categorical: g holds log-probabilities [B, L, V], x token ids [B, L] int64, masked [B, L]).
torch::Tensor per_sample_loss(TrainProcess process, const torch::Tensor& g, const torch::Tensor& x,
                              const torch::Tensor& masked = {});
torch::Tensor weighted_loss(TrainProcess process, const torch::Tensor& g, const torch::Tensor& x,
                            const torch::Tensor& weight, const torch::Tensor& masked = {});

}  // namespace pmm
