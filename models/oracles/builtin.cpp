// Built-in targets: parameters chosen so each has well separated modes of unequal weight, making
// atom-weight recovery a sharp test of a solver (misplaced mass shows up as a chi-square failure).
#include <pmm/models/oracles/builtin.hpp>

#include <cmath>

#include <pmm/core/error.hpp>

namespace pmm {
namespace {

std::string list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

Batch cols(std::initializer_list<std::initializer_list<double>> columns) {
  const Index k = static_cast<Index>(columns.size()), d = static_cast<Index>(columns.begin()->size());
  Batch b(d, k);
  Index j = 0;
  for (const auto& c : columns) {
    Index i = 0;
    for (double v : c) b(i++, j) = v;
    ++j;
  }
  return b;
}

Eigen::VectorXd vec(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Index>(v.size()));
  Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

}  // namespace

std::vector<std::string> builtin_targets(const std::string& process) {
  if (process == "normal") return {"atoms3", "gmm2d", "ring8"};
  if (process == "gamma-poisson") return {"counts3", "gamma-mix"};
  if (process == "inverse-gamma-gamma") return {"scales3"};
  return {};
}

std::string builtin_default(const std::string& process) {
  if (process == "gamma-poisson") return "counts3";
  if (process == "inverse-gamma-gamma") return "scales3";
  return "gmm2d";
}

OraclePtr builtin_oracle(const NormalProcess& p, const std::string& name) {
  if (name == "atoms3") return finite_set_oracle(p, cols({{-1.0}, {0.5}, {2.0}}), vec({0.2, 0.5, 0.3}));
  if (name == "gmm2d") {
    const double s2 = 0.15 * 0.15;
    return gaussian_mixture_oracle(p, vec({0.5, 0.3, 0.2}), cols({{-1.5, 0.0}, {1.0, 1.0}, {1.0, -1.2}}),
                                   Batch::Constant(2, 3, s2));
  }
  if (name == "ring8") {
    Batch m(2, 8);
    for (int k = 0; k < 8; ++k) {
      m(0, k) = 2.0 * std::cos(2 * M_PI * k / 8);
      m(1, k) = 2.0 * std::sin(2 * M_PI * k / 8);
    }
    return gaussian_mixture_oracle(p, Eigen::VectorXd::Constant(8, 1.0), m, Batch::Constant(2, 8, 0.01));
  }
  throw Error("--target: unknown built-in target 'builtin:" + name + "' for the normal process (expected one of: " +
              list(builtin_targets("normal")) + ")");
}

OraclePtr builtin_oracle(const GammaPoissonProcess& p, const std::string& name) {
  if (name == "counts3") return finite_set_oracle(p, cols({{1.0}, {4.0}, {10.0}}), vec({0.3, 0.4, 0.3}));
  if (name == "gamma-mix")
    return gamma_mixture_oracle(p, vec({0.6, 0.4}), cols({{4.0, 30.0}, {40.0, 6.0}}), cols({{2.0, 3.0}, {4.0, 1.0}}));
  throw Error("--target: unknown built-in target 'builtin:" + name +
              "' for the gamma-poisson process (expected one of: " + list(builtin_targets("gamma-poisson")) + ")");
}

OraclePtr builtin_oracle(const InverseGammaGammaProcess& p, const std::string& name) {
  if (name == "scales3") return finite_set_oracle(p, cols({{0.5}, {1.5}, {4.0}}), vec({0.3, 0.4, 0.3}));
  throw Error("--target: unknown built-in target 'builtin:" + name +
              "' for the inverse-gamma-gamma process (expected one of: " + list(builtin_targets("inverse-gamma-gamma")) + ")");
}

}  // namespace pmm
