// FID, torch-free part: FID = ||mu_g - mu_r||^2 + tr(S_g + S_r - 2 (S_g^1/2 S_r S_g^1/2)^1/2) on Inception features,
// reference statistics in .npz files of both common layouts (mu/sigma as edm's fid.py writes them; n/sum/cov_sum
// with cov_sum = sum x x^T as BSI keeps them), and the bookkeeping that keeps FIDs of different sample counts or
// feature networks apart (FID is biased upwards by O(1/n), so such numbers are not comparable).
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <pmm/core/batch.hpp>
#include <pmm/core/error.hpp>
#include <pmm/io/fingerprint.hpp>
#include <pmm/io/npz.hpp>
#include "validation/metric_frechet.hpp"

namespace pmm {

// ---- .npz files (zip archives of .npy arrays): NpzArray, read_npz, write_npz in apps/common/npz.hpp ----

// ---- statistics ----
struct FidStatistics {
  Eigen::VectorXd mu;
  Eigen::MatrixXd sigma;      // unbiased covariance (n - 1), as numpy.cov
  std::int64_t n = 0;         // samples behind the statistics; 0: unknown (a mu/sigma file without "n")
  std::string feature_model;  // what made the features (file_fingerprint of the network); "": unknown
};

enum class FidLayout {
  kMuSigma,  // keys mu [d], sigma [d, d] (edm, clean-fid, pytorch-fid); pmm adds n and feature_model when known
  kSums,     // keys n (), sum [d], cov_sum [d, d] with cov_sum = sum_i x_i x_i^T (BSI); plus feature_model
};
std::string fid_layout_name(FidLayout layout);  // "mu-sigma", "sums"

// Statistics of features (dim x n, n >= 2) or of running sums, with the feature model's name.
FidStatistics fid_statistics(const Batch& features, std::string feature_model);
FidStatistics fid_statistics(const GaussianSums& sums, std::string feature_model);

// Reads either layout (mu/sigma wins when both are present). Errors name the file and the key that is missing or
// malformed. feature_model comes from a "feature_model" text entry when the file has one.
FidStatistics read_fid_statistics(const std::string& path, FidLayout* layout = nullptr);
// kSums needs n >= 2 (sum = n mu, cov_sum = (n - 1) sigma + n mu mu^T). Atomic.
void write_fid_statistics(const std::string& path, const FidStatistics& stats, FidLayout layout);

// ---- FID values with their provenance ----
struct FidResult {
  double fid = 0;
  std::int64_t n_generated = 0, n_reference = 0;  // 0: unknown
  std::string feature_model;
};
// Throws pmm::Error when the dimensions differ or both statistics name different feature models.
FidResult frechet_inception_distance(const FidStatistics& generated, const FidStatistics& reference);
// Throws pmm::Error unless a and b have the same generated and reference sample counts (both known) and the same
// feature model: the guard to call before ranking or subtracting FIDs.
void require_comparable(const FidResult& a, const FidResult& b);
// "FID 3.2100 (50000 generated vs 50000 reference, features inception-2015-12-05.pt ...)".
std::string describe(const FidResult& r);
// Throws pmm::Error (naming what) when stats records a feature model different from model_id.
void require_same_features(const FidStatistics& stats, const std::string& model_id, const std::string& what);


}  // namespace pmm
