// Data-parallel training's two torch-free promises: (1) a rank's shard of a step, drawn with first_sample = its
// first global index, equals those columns of the whole batch bit for bit (indices, times, weights, mu, masks) for
// every process and several world sizes, so N ranks see exactly the one-process batch; (2) the launch settings
// (--dist-url or torchrun's variables) are read with errors naming the argument. Collectives: tests/cli/train_dist.sh.
#include <cstdlib>

#include <pmm/core/error.hpp>
#include <pmm/models/torch/distributed.hpp>
#include <pmm/models/torch/exact_law.hpp>
#include <pmm/processes/schedule.hpp>
#include "tests/torch/doctest_after_torch.hpp"

using namespace pmm;

namespace {

LawParams law_for(TrainProcess p) {
  LawParams law;
  law.process = p;
  law.schedule = parse_schedule("exponential");
  if (p == TrainProcess::kCategorical) law.vocab = 5;
  return law;
}

Batch data_for(TrainProcess p, Index dim, Index n) {
  Batch x(dim, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < dim; ++i)
      x(i, j) = p == TrainProcess::kCategorical ? static_cast<double>((i + 2 * j) % 5)
                : p == TrainProcess::kNormal     ? 0.1 * static_cast<double>(i - j)
                                                 : 1.0 + static_cast<double>((i + j) % 4);
  return x;
}

// Columns [b0, b0 + x.cols()) of the batch drawn for B samples; bitwise equality is meant (same integers in).
void check_shard(const ExactDraw& whole, const ExactDraw& shard, Index b0) {
  for (Index j = 0; j < shard.mu.cols(); ++j) {
    REQUIRE(shard.t[static_cast<size_t>(j)] == whole.t[static_cast<size_t>(b0 + j)]);
    REQUIRE(shard.weight[static_cast<size_t>(j)] == whole.weight[static_cast<size_t>(b0 + j)]);
    REQUIRE((shard.mu.col(j) == whole.mu.col(b0 + j)).all());
    if (shard.masked.size() > 0) REQUIRE((shard.masked.col(j) == whole.masked.col(b0 + j)).all());
  }
}

}  // namespace

TEST_CASE("a rank's shard draws the same samples as the whole batch, bit for bit") {
  const std::int64_t B = 7, n = 11;  // B not a multiple of the world sizes: shards of unequal sizes
  for (auto p : {TrainProcess::kNormal, TrainProcess::kGammaPoisson, TrainProcess::kInverseGammaGamma,
                 TrainProcess::kCategorical}) {
    CAPTURE(train_process_name(p));
    LawParams law = law_for(p);
    if (p == TrainProcess::kInverseGammaGamma) law.beta1 = 3.0;
    const Batch data = data_for(p, 3, n);
    const auto idx = draw_indices(n, B, 9, 4);
    Batch xb(data.rows(), B);
    for (Index j = 0; j < B; ++j) xb.col(j) = data.col(idx[static_cast<size_t>(j)]);
    const ExactDraw whole = draw_exact(law, TimeSampling::kLogPrecision, LossWeight::kRate, xb, 9, 4);
    for (int size : {1, 2, 3, 4}) {
      for (int rank = 0; rank < size; ++rank) {
        const std::int64_t b0 = shard_begin(B, rank, size), bl = shard_begin(B, rank + 1, size) - b0;
        CAPTURE(size);
        CAPTURE(rank);
        const auto sidx = draw_indices(n, bl, 9, 4, static_cast<std::uint64_t>(b0));
        Batch xs(data.rows(), bl);
        for (Index j = 0; j < bl; ++j) {
          REQUIRE(sidx[static_cast<size_t>(j)] == idx[static_cast<size_t>(b0 + j)]);
          xs.col(j) = data.col(sidx[static_cast<size_t>(j)]);
        }
        check_shard(whole, draw_exact(law, TimeSampling::kLogPrecision, LossWeight::kRate, xs, 9, 4,
                                      static_cast<std::uint64_t>(b0)), b0);
      }
      CHECK(shard_begin(B, size, size) == B);  // the shards cover the batch
    }
  }
}

TEST_CASE("launch settings: --dist-url and torchrun's variables, errors naming the argument") {
  for (const char* v : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"}) ::unsetenv(v);
  auto argument_of = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.argument;
    }
    return std::string("(no error)");
  };
  SUBCASE("nothing given: one process") { CHECK_FALSE(resolve_dist_config("", 0, -1, 60).active()); }
  SUBCASE("--dist-url") {
    const auto c = resolve_dist_config("tcp://10.0.0.1:29500", 4, 3, 60);
    CHECK(c.active());
    CHECK(c.host == "10.0.0.1");
    CHECK(c.port == 29500);
    CHECK(c.rank == 3);
    CHECK(c.world_size == 4);
    CHECK(argument_of([] { resolve_dist_config("10.0.0.1:29500", 2, 0, 60); }) == "--dist-url");
    CHECK(argument_of([] { resolve_dist_config("tcp://10.0.0.1", 2, 0, 60); }) == "--dist-url");
    CHECK(argument_of([] { resolve_dist_config("tcp://10.0.0.1:70000", 2, 0, 60); }) == "--dist-url");
    CHECK(argument_of([] { resolve_dist_config("tcp://10.0.0.1:29500", 2, 2, 60); }) == "--rank");
    CHECK(argument_of([] { resolve_dist_config("tcp://10.0.0.1:29500", 0, 0, 60); }) == "--world-size");
    CHECK(argument_of([] { resolve_dist_config("", 2, 0, 60); }) == "--dist-url");
    CHECK(argument_of([] { resolve_dist_config("tcp://h:1", 2, 0, 0.5); }) == "--dist-timeout");
  }
  SUBCASE("torchrun's variables") {
    ::setenv("WORLD_SIZE", "1", 1);
    CHECK_FALSE(resolve_dist_config("", 0, -1, 60).active());
    ::setenv("WORLD_SIZE", "2", 1);
    CHECK(argument_of([] { resolve_dist_config("", 0, -1, 60); }) == "RANK");
    ::setenv("RANK", "1", 1);
    CHECK(argument_of([] { resolve_dist_config("", 0, -1, 60); }) == "MASTER_ADDR");
    ::setenv("MASTER_ADDR", "127.0.0.1", 1);
    CHECK(argument_of([] { resolve_dist_config("", 0, -1, 60); }) == "MASTER_PORT");
    ::setenv("MASTER_PORT", "29501", 1);
    ::setenv("LOCAL_RANK", "1", 1);
    const auto c = resolve_dist_config("", 0, -1, 60);
    CHECK(c.active());
    CHECK(c.rank == 1);
    CHECK(c.local_rank == 1);
    CHECK(c.port == 29501);
    ::setenv("RANK", "2", 1);
    CHECK(argument_of([] { resolve_dist_config("", 0, -1, 60); }) == "RANK");
    ::setenv("WORLD_SIZE", "two", 1);
    CHECK(argument_of([] { resolve_dist_config("", 0, -1, 60); }) == "WORLD_SIZE");
    for (const char* v : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT", "LOCAL_RANK"}) ::unsetenv(v);
  }
}
