// FID from feature statistics and .npz reference files (read and written by apps/common/npz.hpp: zlib, the .npy
// reader of apps/common/npy.hpp).
#include "validation/fid.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <pmm/core/error.hpp>

namespace pmm {

// ---- statistics ----

std::string fid_layout_name(FidLayout layout) { return layout == FidLayout::kSums ? "sums" : "mu-sigma"; }

FidStatistics fid_statistics(const Batch& features, std::string feature_model) {
  require(features.cols() >= 2, "features", fmt::format("needs at least 2 samples, got {}", features.cols()));
  const GaussianStats g = gaussian_stats(features);
  return {g.mu, g.sigma, g.n, std::move(feature_model)};
}

FidStatistics fid_statistics(const GaussianSums& sums, std::string feature_model) {
  require(sums.n >= 2, "sums", fmt::format("needs n >= 2, got {}", sums.n));
  const GaussianStats g = gaussian_stats(sums);
  return {g.mu, g.sigma, g.n, std::move(feature_model)};
}

FidStatistics read_fid_statistics(const std::string& path, FidLayout* layout) {
  const auto arrays = read_npz(path);
  auto has = [&](const char* k) { return arrays.count(k) > 0; };
  auto numbers = [&](const char* k, std::size_t rank) -> const NpzArray& {
    const NpzArray& a = arrays.at(k);
    require(a.text.empty() && a.shape.size() == rank, path,
            fmt::format("'{}' must be a numeric array of rank {}, got dtype {} rank {}", k, rank, a.dtype, a.shape.size()));
    return a;
  };
  FidStatistics s;
  if (has("feature_model") && !arrays.at("feature_model").text.empty()) s.feature_model = arrays.at("feature_model").text[0];
  auto count = [&]() -> std::int64_t {
    const NpzArray& a = arrays.at("n");
    require(a.text.empty() && a.data.size() == 1 && a.data[0] >= 0 && a.data[0] == std::floor(a.data[0]), path,
            "'n' must be one non-negative integer");
    return static_cast<std::int64_t>(a.data[0]);
  };
  if (has("mu") && has("sigma")) {
    const NpzArray& mu = numbers("mu", 1);
    const NpzArray& sigma = numbers("sigma", 2);
    const Index d = static_cast<Index>(mu.shape[0]);
    require(sigma.shape[0] == d && sigma.shape[1] == d, path,
            fmt::format("'sigma' must be {} x {} to match 'mu', got {} x {}", d, d, sigma.shape[0], sigma.shape[1]));
    s.mu = Eigen::Map<const Eigen::VectorXd>(mu.data.data(), d);
    s.sigma = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(sigma.data.data(), d, d);
    s.n = has("n") ? count() : 0;
    if (layout) *layout = FidLayout::kMuSigma;
  } else if (has("n") && has("sum") && has("cov_sum")) {
    const NpzArray& sum = numbers("sum", 1);
    const NpzArray& cov = numbers("cov_sum", 2);
    const Index d = static_cast<Index>(sum.shape[0]);
    require(cov.shape[0] == d && cov.shape[1] == d, path, fmt::format("'cov_sum' must be {} x {} to match 'sum'", d, d));
    const std::int64_t n = count();
    require(n >= 2, path, fmt::format("'n' must be >= 2 for a covariance, got {}", n));
    const GaussianStats g = gaussian_stats_from_sums(
        n, Eigen::Map<const Eigen::VectorXd>(sum.data.data(), d),
        Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(cov.data.data(), d, d));
    s.mu = g.mu;
    s.sigma = g.sigma;
    s.n = n;
    if (layout) *layout = FidLayout::kSums;
  } else {
    std::string keys;
    for (const auto& [k, v] : arrays) keys += (keys.empty() ? "" : ", ") + k;
    throw Error(path + ": no FID statistics: expected keys mu and sigma, or n, sum and cov_sum; found " +
                (keys.empty() ? std::string("none") : keys));
  }
  require(s.mu.allFinite() && s.sigma.allFinite(), path, "statistics must be finite");
  return s;
}

void write_fid_statistics(const std::string& path, const FidStatistics& s, FidLayout layout) {
  const Index d = s.mu.size();
  require(d >= 1 && s.sigma.rows() == d && s.sigma.cols() == d, path, "mu must be d and sigma d x d, d >= 1");
  auto vector_array = [](const Eigen::VectorXd& v) {
    return NpzArray{{v.size()}, std::vector<double>(v.data(), v.data() + v.size()), {}, "<f8"};
  };
  auto matrix_array = [](const Eigen::MatrixXd& m) {
    NpzArray a{{m.rows(), m.cols()}, {}, {}, "<f8"};
    a.data.resize(static_cast<size_t>(m.size()));
    for (Index i = 0; i < m.rows(); ++i)
      for (Index j = 0; j < m.cols(); ++j) a.data[static_cast<size_t>(i * m.cols() + j)] = m(i, j);
    return a;
  };
  std::vector<std::pair<std::string, NpzArray>> arrays;
  if (layout == FidLayout::kMuSigma) {
    arrays.emplace_back("mu", vector_array(s.mu));
    arrays.emplace_back("sigma", matrix_array(s.sigma));
    if (s.n > 0) arrays.emplace_back("n", NpzArray{{}, {static_cast<double>(s.n)}, {}, "<f8"});
  } else {
    require(s.n >= 2, path, fmt::format("the n/sum/cov_sum layout needs the sample count (n >= 2), got {}", s.n));
    const double n = static_cast<double>(s.n);
    arrays.emplace_back("n", NpzArray{{}, {n}, {}, "<f8"});
    arrays.emplace_back("sum", vector_array(n * s.mu));
    const Eigen::MatrixXd cov_sum = (n - 1) * s.sigma + n * s.mu * s.mu.transpose();
    arrays.emplace_back("cov_sum", matrix_array(cov_sum));
  }
  if (!s.feature_model.empty()) arrays.emplace_back("feature_model", NpzArray{{}, {}, {s.feature_model}, "<U"});
  write_npz(path, arrays);
}

FidResult frechet_inception_distance(const FidStatistics& g, const FidStatistics& r) {
  require(g.mu.size() == r.mu.size(), "reference",
          fmt::format("feature dimension {} differs from the generated {}", r.mu.size(), g.mu.size()));
  require(g.feature_model.empty() || r.feature_model.empty() || g.feature_model == r.feature_model, "reference",
          "features from '" + r.feature_model + "' cannot be compared with features from '" + g.feature_model + "'");
  FidResult out;
  out.fid = frechet_distance(g.mu, g.sigma, r.mu, r.sigma);
  out.n_generated = g.n;
  out.n_reference = r.n;
  out.feature_model = g.feature_model.empty() ? r.feature_model : g.feature_model;
  return out;
}

void require_comparable(const FidResult& a, const FidResult& b) {
  auto count = [](std::int64_t n) { return n > 0 ? std::to_string(n) : std::string("unknown"); };
  require(a.n_generated > 0 && a.n_generated == b.n_generated, "FID",
          "values from " + count(a.n_generated) + " and " + count(b.n_generated) +
              " generated samples are not comparable (FID is biased upwards by O(1/n)); recompute at one sample count");
  require(a.n_reference == b.n_reference, "FID",
          "values against references of " + count(a.n_reference) + " and " + count(b.n_reference) +
              " samples are not comparable");
  require(a.feature_model == b.feature_model, "FID",
          "values from different feature networks ('" + a.feature_model + "' and '" + b.feature_model +
              "') are not comparable");
}

std::string describe(const FidResult& r) {
  auto count = [](std::int64_t n) { return n > 0 ? std::to_string(n) : std::string("?"); };
  return fmt::format("FID {:.4f} ({} generated vs {} reference, features {})", r.fid, count(r.n_generated),
                     count(r.n_reference), r.feature_model.empty() ? "unknown" : r.feature_model);
}

void require_same_features(const FidStatistics& stats, const std::string& model_id, const std::string& what) {
  require(stats.feature_model.empty() || stats.feature_model == model_id, what,
          "statistics were computed with '" + stats.feature_model + "', not with '" + model_id + "'");
}

}  // namespace pmm
