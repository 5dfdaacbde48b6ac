// Target loading: validates files before building an oracle, and names the option and file in errors.
#include "apps/common/targets.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <pmm/io/matrix_file.hpp>
#include <pmm/models/oracles/builtin.hpp>
#include <pmm/core/error.hpp>

namespace pmm {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// K lists of dim numbers -> dim x K.
Batch columns_of(const nlohmann::json& j, const std::string& key, const std::string& where) {
  require(j.contains(key) && j[key].is_array() && !j[key].empty(), where, "needs a non-empty array '" + key + "'");
  const auto& a = j[key];
  const Index K = static_cast<Index>(a.size());
  require(a[0].is_array() && !a[0].empty(), where, "'" + key + "' must be a list of lists of numbers");
  const Index d = static_cast<Index>(a[0].size());
  Batch out(d, K);
  for (Index k = 0; k < K; ++k) {
    require(a[k].is_array() && static_cast<Index>(a[k].size()) == d, where,
            "'" + key + "' rows must all have " + std::to_string(d) + " numbers");
    for (Index i = 0; i < d; ++i) {
      require(a[k][i].is_number(), where, "'" + key + "' must hold numbers");
      out(i, k) = a[k][i].get<double>();
    }
  }
  return out;
}

// K matrices of d x d numbers (lists of rows).
std::vector<Eigen::MatrixXd> matrices_of(const nlohmann::json& j, const std::string& key, Index d, const std::string& where) {
  require(j[key].is_array() && !j[key].empty(), where, "'" + key + "' must be a non-empty list of matrices");
  std::vector<Eigen::MatrixXd> out;
  for (size_t k = 0; k < j[key].size(); ++k) {
    const auto& a = j[key][k];
    const std::string bad = "'" + key + "' entry " + std::to_string(k) + " must be a " + std::to_string(d) + " x " +
                            std::to_string(d) + " list of rows of numbers";
    require(a.is_array() && static_cast<Index>(a.size()) == d, where, bad);
    Eigen::MatrixXd S(d, d);
    for (Index r = 0; r < d; ++r) {
      require(a[r].is_array() && static_cast<Index>(a[r].size()) == d, where, bad);
      for (Index c = 0; c < d; ++c) {
        require(a[r][c].is_number(), where, bad);
        S(r, c) = a[r][c].get<double>();
      }
    }
    out.push_back(std::move(S));
  }
  return out;
}

OraclePtr load_mixture(const AnyProcess& process, const std::string& path) {
  std::ifstream in(path);
  require(in.good(), "--target", path + ": cannot open");
  nlohmann::json j;
  // A repeated key is refused (nlohmann keeps the last one silently): one key set per open object.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t no_duplicates = [&](int, nlohmann::json::parse_event_t event,
                                                              nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end && !keys.empty()) keys.pop_back();
    if (event == E::key && !keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
        duplicate.empty())
      duplicate = parsed.get<std::string>();
    return true;
  };
  try {
    j = nlohmann::json::parse(in, no_duplicates);
  } catch (const std::exception& e) {
    throw Error("--target: " + path + ": not valid JSON (" + e.what() + ")");
  }
  require(duplicate.empty(), "--target: " + path, "the key \"" + duplicate + "\" appears twice in one object");
  const std::string where = "--target: " + path;
  require(j.is_object() && j.contains("type") && j["type"].is_string(), where, "needs a \"type\" string");
  require(j.contains("weights") && j["weights"].is_array(), where, "needs a \"weights\" array");
  Eigen::VectorXd w(static_cast<Index>(j["weights"].size()));
  for (Index k = 0; k < w.size(); ++k) {
    require(j["weights"][k].is_number(), where, "weights must be numbers");
    w[k] = j["weights"][k].get<double>();
  }
  const std::string type = j["type"];
  try {
    if (type == "gaussian-mixture") {
      const auto* p = std::get_if<NormalProcess>(&process);
      require(p != nullptr, where, "a gaussian-mixture target needs --process normal");
      const bool full = j.contains("covariances");
      require(full != j.contains("variances"), where,
              "a gaussian-mixture needs either \"variances\" (diagonal, K lists of dim) or \"covariances\" (K dim x dim "
              "matrices), not both");
      Batch means = columns_of(j, "means", where);
      if (full) return gaussian_mixture_oracle(*p, w, means, matrices_of(j, "covariances", means.rows(), where));
      return gaussian_mixture_oracle(*p, w, means, columns_of(j, "variances", where));
    }
    if (type == "gamma-mixture") {
      const auto* p = std::get_if<GammaPoissonProcess>(&process);
      require(p != nullptr, where, "a gamma-mixture target needs --process gamma-poisson");
      require(!j.contains("covariances"), where,
              "a gamma-mixture takes no \"covariances\": its components are products of independent Gammas (a "
              "covariance matrix fixes no multivariate Gamma law with a closed-form posterior mean); model "
              "correlation with more components");
      return gamma_mixture_oracle(*p, w, columns_of(j, "shapes", where), columns_of(j, "rates", where));
    }
  } catch (const Error& e) {
    const std::string m = e.what();
    if (m.rfind("--target", 0) == 0) throw;
    throw Error(where + ": " + m);
  }
  throw Error(where + ": unknown type '" + type + "' (expected gaussian-mixture or gamma-mixture)");
}

}  // namespace

std::string TargetInfo::note() const {
  if (!merged()) return "";
  return fmt::format("merged {} rows into {} distinct points (weights: the rows' total; the same law)", rows, points);
}

Index merge_duplicate_points(Batch& points, Eigen::VectorXd& weights) {
  const Index n = points.cols(), d = points.rows();
  std::vector<Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  auto less = [&](Index a, Index b) {
    for (Index i = 0; i < d; ++i)
      if (points(i, a) != points(i, b)) return points(i, a) < points(i, b);
    return false;
  };
  std::stable_sort(order.begin(), order.end(), less);
  // first[j]: the first row equal to row j.
  std::vector<Index> first(static_cast<size_t>(n));
  Index distinct = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const bool same = k > 0 && !less(order[k - 1], order[k]);
    first[static_cast<size_t>(order[k])] = same ? first[static_cast<size_t>(order[k - 1])] : order[k];
    distinct += same ? 0 : 1;
  }
  if (distinct == n) return n;
  std::vector<Index> slot(static_cast<size_t>(n), -1);
  Batch merged(d, distinct);
  Eigen::VectorXd w = Eigen::VectorXd::Zero(distinct);
  Index next = 0;
  for (Index j = 0; j < n; ++j) {
    Index& s = slot[static_cast<size_t>(first[static_cast<size_t>(j)])];
    if (s < 0) merged.col(s = next++) = points.col(j);
    w[s] += weights.size() == 0 ? 1.0 : weights[j];
  }
  points = std::move(merged);
  weights = std::move(w);
  return distinct;
}

OraclePtr load_target(const AnyProcess& process, const std::string& spec, const std::string& weights_path,
                      TargetInfo* info) {
  require(!spec.empty(), "--target", "needs builtin:NAME, a .npy or .csv point set or a .json mixture");
  if (spec.rfind("builtin:", 0) == 0) {
    require(weights_path.empty(), "--target-weights", "only applies to a .npy or .csv point set");
    const std::string name = spec.substr(8);
    return std::visit(
        [&](const auto& p) -> OraclePtr {
          using P = std::decay_t<decltype(p)>;
          (void)sizeof(P);
          return builtin_oracle(p, name);
        },
        process);
  }
  if (ends_with(spec, ".json")) {
    require(weights_path.empty(), "--target-weights", "only applies to a .npy or .csv point set");
    return load_mixture(process, spec);
  }
  require(ends_with(spec, ".npy") || ends_with(spec, ".csv"), "--target",
          "'" + spec + "' is neither builtin:NAME, FILE.npy, FILE.csv nor FILE.json");
  Batch points = read_matrix(spec, "--target");
  require(points.cols() > 0, "--target", spec + ": has no points");
  Eigen::VectorXd w;
  if (!weights_path.empty()) {
    const Batch wb = read_matrix(weights_path, "--target-weights");
    require(wb.rows() == 1 && wb.cols() == points.cols(), "--target-weights",
            weights_path + ": expected shape (" + std::to_string(points.cols()) + ",) to match --target");
    w = wb.row(0).transpose().matrix();
  }
  // Weights are checked by the oracle; a negative or NaN one must reach it unmerged to be named there.
  const Index rows = points.cols();
  if (w.size() == 0 || (w.array().isFinite() && w.array() >= 0).all()) merge_duplicate_points(points, w);
  if (info) *info = TargetInfo{rows, points.cols()};
  try {
    return std::visit(
        [&](const auto& p) -> OraclePtr {
          using P = std::decay_t<decltype(p)>;
          (void)sizeof(P);
          return finite_set_oracle(p, std::move(points), std::move(w));
        },
        process);
  } catch (const Error& e) {
    throw Error("--target: " + spec + ": " + e.what());
  }
}

std::string target_help() {
  static const std::map<std::string, std::string> kWhat = {
      {"atoms3", "1-D, atoms {-1, 0.5, 2}, weights 0.2, 0.5, 0.3"},
      {"gmm2d", "2-D, 3 Gaussians"},
      {"ring8", "2-D, 8 Gaussians on a circle"},
      {"counts3", "1-D, atoms {1, 4, 10}, weights 0.3, 0.4, 0.3"},
      {"gamma-mix", "2-D, 2 product-Gamma components"},
      {"scales3", "1-D, 3 weighted positive atoms"}};
  std::string s = "Targets (--target):\n";
  for (const std::string process : {"normal", "gamma-poisson", "inverse-gamma-gamma"}) {
    s += "  " + process + ":\n";
    for (const auto& name : builtin_targets(process)) {
      const auto it = kWhat.find(name);
      s += fmt::format("    builtin:{:<10} {}{}\n", name, it == kWhat.end() ? "" : it->second,
                       name == builtin_default(process) ? " (the default in examples)" : "");
    }
  }
  s += "  FILE.npy | FILE.csv     a point set [n, dim] (csv: header x0,x1,...), weights from --target-weights [n];\n"
       "                          repeated rows are merged into one weighted point (the same law)\n"
       "  FILE.json               a mixture, normal: {\"type\": \"gaussian-mixture\", \"weights\": [0.5, 0.5],\n"
       "                          \"means\": [[-1, 0], [1, 0]], \"variances\": [[0.1, 0.1], [0.1, 0.1]]} (or \"covariances\":\n"
       "                          K dim x dim matrices); gamma-poisson: {\"type\": \"gamma-mixture\", \"weights\": [..],\n"
       "                          \"shapes\": [[..]..], \"rates\": [[..]..]}\n"
       "  dirichlet-categorical:  markov:TEXTFILE[,smoothing=S] (a character Markov chain estimated from the file),\n"
       "                          sequences.npy or a text file of sequences (one per line, --length characters)\n";
  return s;
}

}  // namespace pmm
