// Target specifications on the command line -> exact oracles:
//   builtin:NAME            a built-in target (models/oracles/builtin.hpp)
//   FILE.npy [+ weights]    a finite weighted point set, float [n, dim] (weights: float [n], >= 0)
//   FILE.json               a mixture: {"type": "gaussian-mixture", "weights": [..], "means": [[..]..],
//                           "variances": [[..]..]} (Normal) or {"type": "gamma-mixture", "weights", "shapes", "rates"}
#pragma once
#include <string>

#include <pmm/models/oracles/oracle.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {

OraclePtr load_target(const AnyProcess& process, const std::string& spec, const std::string& weights_path = "");

}  // namespace pmm
