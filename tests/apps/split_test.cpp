// apps/mpi/split: blocks of paths cover 0 .. n - 1 in rank order (whole ODE chunks when the unit is a chunk), the
// longest-first assignment balances costs and is deterministic, and a plain start is not taken for a launcher's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "apps/mpi/split.hpp"

TEST_CASE("paths_of_rank: consecutive blocks covering every path, whole units") {
  for (std::int64_t paths : {1, 2, 5, 255, 256, 257, 1000, 1001})
    for (std::int64_t unit : {1, 256})
      for (int size : {1, 2, 3, 7}) {
        std::int64_t next = 0;
        for (int r = 0; r < size; ++r) {
          const pmm::Block b = pmm::paths_of_rank(paths, std::min(unit, paths), r, size);
          INFO("paths " << paths << " unit " << unit << " rank " << r << " of " << size);
          CHECK(b.first == next);
          CHECK(b.count >= 0);
          if (b.count > 0 && b.first + b.count < paths) CHECK(b.count % std::min(unit, paths) == 0);
          next += b.count;
        }
        CHECK(next == paths);
        CHECK(pmm::paths_of_rank(paths, std::min(unit, paths), 0, size).count > 0);  // rank 0 always has paths
      }
  CHECK(pmm::block_of(10, 0, 3).count == 4);
  CHECK(pmm::block_of(10, 2, 3).first == 7);
}

TEST_CASE("assign_by_cost: longest first to the least loaded rank") {
  // costs 8, 7, 6, 5, 4 on 2 ranks: 8 -> r0, 7 -> r1, 6 -> r1 (7 < 8), 5 -> r0, 4 -> either at 13/13: r0.
  const std::vector<int> owner = pmm::assign_by_cost({5, 8, 4, 7, 6}, 2);
  CHECK(owner == std::vector<int>{0, 0, 0, 1, 1});
  CHECK(pmm::assign_by_cost({1, 1, 1, 1}, 3) == std::vector<int>{0, 1, 2, 0});  // equal costs: in turn
  CHECK(pmm::assign_by_cost({3, 2}, 1) == std::vector<int>{0, 0});
  CHECK(pmm::assign_by_cost({}, 4).empty());
}

TEST_CASE("launched_rank: read from a launcher's environment only") {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) unsetenv(v);
  int rank = -1, size = -1;
  CHECK_FALSE(pmm::launched_rank(&rank, &size));
  setenv("PMI_RANK", "3", 1);
  setenv("PMI_SIZE", "4", 1);
  CHECK(pmm::launched_rank(&rank, &size));
  CHECK(rank == 3);
  CHECK(size == 4);
  unsetenv("PMI_RANK");
  unsetenv("PMI_SIZE");
}
