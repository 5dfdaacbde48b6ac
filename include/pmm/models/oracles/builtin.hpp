// Built-in targets (no file needed): small known laws whose oracles are exact, used by `make demo`,
// the tests and the validation suite. Names are listed by builtin_targets(process).
#pragma once
#include <string>
#include <vector>

#include <pmm/models/oracles/oracle.hpp>

namespace pmm {

// normal:        atoms3 (1-D, 3 weighted atoms), gmm2d (2-D, 3 Gaussians), ring8 (2-D, 8 Gaussians on a circle)
// gamma-poisson: counts3 (1-D, 3 weighted atoms), gamma-mix (2-D, 2 product-Gamma components)
// inverse-gamma-gamma: scales3 (1-D, 3 weighted positive atoms)
std::vector<std::string> builtin_targets(const std::string& process);
// The default built-in target of a process (used by make demo and error hints).
std::string builtin_default(const std::string& process);
OraclePtr builtin_oracle(const NormalProcess& p, const std::string& name);
OraclePtr builtin_oracle(const GammaPoissonProcess& p, const std::string& name);
OraclePtr builtin_oracle(const InverseGammaGammaProcess& p, const std::string& name);

}  // namespace pmm
