// Block split, longest-first assignment and launcher detection (split.hpp).
#include "apps/mpi/split.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

namespace pmm {

Block block_of(std::int64_t units, int rank, int size) {
  const std::int64_t base = units / size, extra = units % size;
  const std::int64_t r = rank;
  return {r * base + std::min(r, extra), base + (r < extra ? 1 : 0)};
}

Block paths_of_rank(std::int64_t paths, std::int64_t unit, int rank, int size) {
  const Block units = block_of((paths + unit - 1) / unit, rank, size);
  const std::int64_t first = std::min(paths, units.first * unit);
  return {first, std::min(paths - first, units.count * unit)};
}

std::vector<int> assign_by_cost(const std::vector<double>& costs, int size) {
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  std::vector<double> load(static_cast<std::size_t>(size), 0.0);
  std::vector<int> owner(costs.size(), 0);
  for (std::size_t k : order) {
    const auto least = std::min_element(load.begin(), load.end()) - load.begin();  // first of equals: lower rank
    owner[k] = static_cast<int>(least);
    load[static_cast<std::size_t>(least)] += costs[k];
  }
  return owner;
}

namespace {
bool read_int(const char* name, int* out) {
  const char* v = std::getenv(name);
  if (!v || !*v) return false;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < 0) return false;
  *out = static_cast<int>(x);
  return true;
}
}  // namespace

bool launched_rank(int* rank, int* size) {
  const char* pairs[][2] = {{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"}, {"PMIX_RANK", "OMPI_COMM_WORLD_SIZE"},
                            {"PMI_RANK", "PMI_SIZE"}};
  for (const auto& p : pairs)
    if (read_int(p[0], rank)) {
      if (!read_int(p[1], size)) *size = 0;  // PMIx alone does not say the size: MPI will
      return true;
    }
  return false;
}

}  // namespace pmm
