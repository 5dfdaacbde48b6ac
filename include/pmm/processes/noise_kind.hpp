// The noise a process is driven by, which decides the solvers that fit it and their orders (torchsde and
// diffrax derive orders from the noise type the same way): Gaussian (additive Brownian noise, Theorem 2),
// Poisson (Cox-driven jumps, Theorem 3), Gamma (a Gamma subordinator), Masking (Dirichlet-Categorical).
#pragma once

namespace pmm {

enum class NoiseKind { kGaussian, kPoisson, kGamma, kMasking };

inline const char* noise_kind_name(NoiseKind k) {
  switch (k) {
    case NoiseKind::kGaussian: return "gaussian";
    case NoiseKind::kPoisson: return "poisson";
    case NoiseKind::kGamma: return "gamma";
    case NoiseKind::kMasking: return "masking";
  }
  return "?";
}

}  // namespace pmm
