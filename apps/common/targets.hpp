// Target specifications on the command line -> exact oracles:
//   builtin:NAME            a built-in target (models/oracles/builtin.hpp)
//   FILE.npy|FILE.csv [+ weights]  a finite weighted point set [n, dim] (weights: [n], >= 0, .npy or .csv);
//                           repeated rows are merged into one point whose weight is the sum of theirs (the same
//                           law, and the oracle's cost is per distinct point)
//   FILE.json               a mixture: {"type": "gaussian-mixture", "weights": [..], "means": [[..]..],
//                           "variances": [[..]..]} (Normal) or {"type": "gamma-mixture", "weights", "shapes", "rates"}
#pragma once
#include <string>

#include <pmm/models/oracles/oracle.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm {

// What load_target did to a point-set target (rows == points when nothing was merged; both 0 for other targets).
struct TargetInfo {
  Index rows = 0, points = 0;
  bool merged() const { return points < rows; }
  // "merged 500 rows into 23 distinct points (weights: the rows' total; the same law)", or "" when none were.
  std::string note() const;
};

OraclePtr load_target(const AnyProcess& process, const std::string& spec, const std::string& weights_path = "",
                      TargetInfo* info = nullptr);

// What --target accepts, for --help and --list-targets: the built-in targets of each process (one line each, with
// what they are), the point-set and mixture file formats (with a JSON example) and the dirichlet-categorical
// targets (markov:FILE, sequence files).
std::string target_help();

// Merges equal columns of points (dim x n) into one, in order of first appearance, with the sum of their weights
// (weights empty: 1 each). Returns the number of distinct points; points and weights are replaced only if fewer.
Index merge_duplicate_points(Batch& points, Eigen::VectorXd& weights);

}  // namespace pmm
