// FID without LibTorch: .npz statistics in both layouts (round trips; files written and read by NumPy, stored,
// zip64 and deflated), the FID of known Gaussians, the refusal to compare FIDs of different sample counts or
// feature networks, and the errors of the .npz reader (missing keys, truncation, CRC mismatch).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <pmm/core/error.hpp>
#include "tests/apps/test_files.hpp"
#include "validation/fid.hpp"

#include "test_helpers.hpp"

namespace {

using pmm::test::TempDir;

pmm::Batch features(pmm::Index d, pmm::Index n, double shift) {
  pmm::Batch x(d, n);
  for (pmm::Index j = 0; j < n; ++j)
    for (pmm::Index i = 0; i < d; ++i) x(i, j) = std::sin(1.3 * j + 0.7 * i * i) + 0.1 * i * std::cos(0.4 * j) + shift;
  return x;
}

using pmm_test::error_of;

}  // namespace

TEST_CASE("fid: statistics round-trip through .npz in both layouts") {
  TempDir dir;
  const auto s = pmm::fid_statistics(features(5, 200, 0.5), "stand-in (10 bytes, fnv1a64 0123456789abcdef)");
  CHECK(s.n == 200);
  pmm::FidLayout layout;
  // mu/sigma: the doubles come back bit for bit, with n and the feature model.
  pmm::write_fid_statistics(dir.file("ms.npz"), s, pmm::FidLayout::kMuSigma);
  const auto a = pmm::read_fid_statistics(dir.file("ms.npz"), &layout);
  CHECK(layout == pmm::FidLayout::kMuSigma);
  CHECK(a.mu == s.mu);
  CHECK(a.sigma == s.sigma);
  CHECK(a.n == 200);
  CHECK(a.feature_model == s.feature_model);
  // n/sum/cov_sum: mu and sigma come back through the uncentred sums (relative round-off ~1e-13 here).
  pmm::write_fid_statistics(dir.file("sums.npz"), s, pmm::FidLayout::kSums);
  const auto b = pmm::read_fid_statistics(dir.file("sums.npz"), &layout);
  CHECK(layout == pmm::FidLayout::kSums);
  CHECK((b.mu - s.mu).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((b.sigma - s.sigma).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(b.n == 200);
  CHECK(b.feature_model == s.feature_model);
  // Statistics from running sums equal those of the whole batch.
  pmm::GaussianSums sums;
  const pmm::Batch x = features(5, 200, 0.5);
  pmm::accumulate_gaussian_sums(sums, x.leftCols(70));
  pmm::accumulate_gaussian_sums(sums, x.rightCols(130));
  const auto c = pmm::fid_statistics(sums, "m");
  CHECK((c.sigma - s.sigma).cwiseAbs().maxCoeff() < 1e-12);
  // The sums layout needs the sample count.
  auto unknown = s;
  unknown.n = 0;
  CHECK(error_of([&] { pmm::write_fid_statistics(dir.file("x.npz"), unknown, pmm::FidLayout::kSums); })
            .find("needs the sample count") != std::string::npos);
}

TEST_CASE("fid: files written by NumPy (np.savez, zip64; np.savez_compressed, deflate) read back exactly") {
  if (!pmm::test::have_numpy()) {
    MESSAGE("SKIPPED: /usr/bin/python3 with NumPy not found");
    return;
  }
  TempDir dir;
  // Float64, float32, Fortran order, int64 scalar, a unicode scalar, and a 300 x 300 matrix with repeats (long
  // deflate matches) and noise (literals).
  const int rc = pmm::test::run_python(dir, R"(
import numpy as np
rng = np.random.default_rng(3)
mu = np.linspace(-1, 2, 300)
a = rng.standard_normal((300, 300)); a[:, 100:200] = 1.25
sigma = a @ a.T / 300
np.savez('edm.npz', mu=mu, sigma=sigma)
np.savez_compressed('bsi.npz', n=np.int64(1000), sum=1000 * mu.astype(np.float32),
                    cov_sum=np.asfortranarray(999 * sigma + 1000 * np.outer(mu, mu)), feature_model=np.str_('net.pt'))
np.save('mu.npy', mu); np.save('sigma.npy', sigma)
)");
  REQUIRE(rc == 0);
  const auto edm = pmm::read_npz(dir.file("edm.npz"));
  REQUIRE(edm.count("mu") == 1);
  CHECK(edm.at("sigma").shape == std::vector<std::int64_t>{300, 300});
  const auto s = pmm::read_fid_statistics(dir.file("edm.npz"));
  CHECK(s.n == 0);  // unknown: edm's files do not record it
  CHECK(s.mu[0] == -1.0);
  CHECK(s.mu[299] == 2.0);
  const auto bsi = pmm::read_npz(dir.file("bsi.npz"));
  CHECK(bsi.at("n").data == std::vector<double>{1000.0});
  CHECK(bsi.at("sum").dtype == "<f4");
  CHECK(bsi.at("feature_model").text == std::vector<std::string>{"net.pt"});
  const auto t = pmm::read_fid_statistics(dir.file("bsi.npz"));
  CHECK(t.n == 1000);
  CHECK(t.feature_model == "net.pt");
  // The Fortran-ordered cov_sum is transposed back (it is symmetric, so check the mean and sigma instead).
  CHECK((t.mu - s.mu).cwiseAbs().maxCoeff() < 1e-4);  // sum was stored as float32
  CHECK((t.sigma - s.sigma).cwiseAbs().maxCoeff() < 1e-2 * s.sigma.cwiseAbs().maxCoeff());
  // And NumPy reads what pmm writes.
  pmm::write_fid_statistics(dir.file("ours.npz"), s, pmm::FidLayout::kMuSigma);
  auto u = s;
  u.n = 77;
  u.feature_model = "inception-2015-12-05.pt (1 bytes, fnv1a64 00)";
  pmm::write_fid_statistics(dir.file("ours_sums.npz"), u, pmm::FidLayout::kSums);
  CHECK(pmm::test::run_python(dir, R"(
import numpy as np
f = np.load('ours.npz')
assert np.array_equal(f['mu'], np.load('mu.npy')) and np.array_equal(f['sigma'], np.load('sigma.npy'))
g = np.load('ours_sums.npz')
assert int(g['n']) == 77 and str(g['feature_model']).startswith('inception-2015-12-05.pt')
assert np.allclose(g['sum'] / 77, f['mu'])
)") == 0);
}

TEST_CASE("fid: value of known Gaussians, and FIDs of different sample counts are never compared") {
  // Diagonal covariances: FID = |mu1 - mu2|^2 + sum (s1 + s2 - 2 sqrt(s1 s2)), exact to round-off (1e-10).
  pmm::FidStatistics g{Eigen::Vector3d(0, 1, 2), Eigen::Vector3d(1, 4, 9).asDiagonal(), 1000, "net"};
  pmm::FidStatistics r{Eigen::Vector3d(1, 1, 0), Eigen::Vector3d(4, 4, 1).asDiagonal(), 5000, "net"};
  const auto f = pmm::frechet_inception_distance(g, r);
  const double expected = 1 + 0 + 4 + (1 + 4 - 4) + (4 + 4 - 8) + (9 + 1 - 6);
  CHECK(std::abs(f.fid - expected) < 1e-10);
  CHECK(f.n_generated == 1000);
  CHECK(f.n_reference == 5000);
  CHECK(f.feature_model == "net");
  CHECK(pmm::describe(f).find("1000 generated vs 5000 reference, features net") != std::string::npos);
  CHECK(pmm::frechet_inception_distance(g, g).fid < 1e-12);
  // Comparable: same counts and network; otherwise an error that says why.
  auto other = f;
  CHECK_NOTHROW(pmm::require_comparable(f, other));
  other.n_generated = 50000;
  CHECK(error_of([&] { pmm::require_comparable(f, other); }).find("1000 and 50000 generated samples") !=
        std::string::npos);
  other = f;
  other.n_reference = 10000;
  CHECK_THROWS_AS(pmm::require_comparable(f, other), pmm::Error);
  other = f;
  other.feature_model = "other-net";
  CHECK_THROWS_AS(pmm::require_comparable(f, other), pmm::Error);
  other = f;
  other.n_generated = 0;  // unknown counts are not comparable either
  CHECK_THROWS_AS(pmm::require_comparable(other, other), pmm::Error);
  // Statistics of different networks or dimensions are refused.
  auto r2 = r;
  r2.feature_model = "other-net";
  CHECK_THROWS_AS(pmm::frechet_inception_distance(g, r2), pmm::Error);
  CHECK_THROWS_AS(pmm::require_same_features(r2, "net", "--fid-ref"), pmm::Error);
  r2.feature_model = "";
  CHECK_NOTHROW(pmm::require_same_features(r2, "net", "--fid-ref"));  // unknown: edm-style files
  pmm::FidStatistics small{Eigen::Vector2d(0, 0), Eigen::Matrix2d::Identity(), 10, "net"};
  CHECK_THROWS_AS(pmm::frechet_inception_distance(g, small), pmm::Error);
}

TEST_CASE("fid: the .npz reader names the file and what is wrong") {
  TempDir dir;
  pmm::write_npz(dir.file("other.npz"), {{"weights", pmm::NpzArray{{2}, {1.0, 2.0}, {}, "<f8"}}});
  CHECK(error_of([&] { pmm::read_fid_statistics(dir.file("other.npz")); })
            .find("no FID statistics: expected keys mu and sigma, or n, sum and cov_sum; found weights") !=
        std::string::npos);
  pmm::write_fid_statistics(dir.file("ok.npz"),
                            pmm::FidStatistics{Eigen::Vector2d(1, 2), Eigen::Matrix2d::Identity(), 3, ""},
                            pmm::FidLayout::kMuSigma);
  const std::string bytes = pmm::test::read_bytes(dir.file("ok.npz"));
  // Truncated: the end-of-central-directory record is gone.
  pmm::test::write_bytes(dir.file("cut.npz"), bytes.substr(0, bytes.size() / 2));
  CHECK(error_of([&] { pmm::read_npz(dir.file("cut.npz")); }).find(dir.file("cut.npz") + ": ") == 0);
  // One flipped byte inside the first array's data (36 bytes of zip header + 128 of npy header): CRC-32 catches it.
  std::string bad = bytes;
  bad[170] = static_cast<char>(bad[170] ^ 0x40);
  pmm::test::write_bytes(dir.file("crc.npz"), bad);
  CHECK(error_of([&] { pmm::read_npz(dir.file("crc.npz")); }).find("CRC-32 mismatch") != std::string::npos);
  pmm::test::write_bytes(dir.file("text.npz"), "not a zip file at all, just some text to be long enough");
  CHECK(error_of([&] { pmm::read_npz(dir.file("text.npz")); }).find("not a .npz file") != std::string::npos);
  CHECK_THROWS_AS(pmm::read_npz(dir.file("missing.npz")), pmm::Error);
  // Feature-network fingerprint: FNV-1a 64 of the bytes ("abc" -> e71fa2190541574b).
  pmm::test::write_bytes(dir.file("net.pt"), "abc");
  CHECK(pmm::file_fingerprint(dir.file("net.pt")) == "net.pt (3 bytes, fnv1a64 e71fa2190541574b)");
}
