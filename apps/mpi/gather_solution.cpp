// gather_solution: concatenations in rank order are global path order (ranks hold consecutive blocks); the
// trajectory, [saves, paths, width] on each rank, is interleaved save by save.
#include "apps/mpi/gather_solution.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "apps/mpi/world.hpp"

namespace pmm {

Solution gather_solution(const Solution& local, std::int64_t paths, std::int64_t total, Index dim) {
  Solution out;
  const auto final = gather_values(local.final.data(), static_cast<std::size_t>(local.final.size()));
  const auto tokens = gather_values(local.tokens.data(), local.tokens.size());
  const auto trajectory = gather_values(local.trajectory.data(), local.trajectory.size());
  const auto reveal = gather_values(local.reveal_times.data(), local.reveal_times.size());
  const auto nfe_per_path = gather_values(local.nfe_per_path.data(), local.nfe_per_path.size());
  const auto counts = gather_values(&paths, 1);
  // NFE summed over paths is an integer (each chunk's NFE times its paths), so the mean comes out as one process's.
  const std::int64_t nfe_sum = sum_over_ranks(std::llround(local.nfe_mean * static_cast<double>(paths)));
  const std::int64_t nfe_max = static_cast<std::int64_t>(max_over_ranks(static_cast<double>(local.nfe_max)));
  out.rejected = sum_over_ranks(local.rejected);
  out.leftover = sum_over_ranks(local.leftover);
  out.leftover_paths = sum_over_ranks(local.leftover_paths);
  out.seconds = max_over_ranks(local.seconds);
  if (!world().root()) return out;

  out.paths = total;
  out.length = local.length;
  out.vocab = local.vocab;
  out.t_start = local.t_start;
  out.save_times = local.save_times;
  if (dim > 0) {
    out.final.resize(dim, total);
    std::copy(final.begin(), final.end(), out.final.data());
  }
  out.tokens = tokens;
  out.reveal_times = reveal;
  out.nfe_per_path = nfe_per_path;
  out.nfe_max = nfe_max;
  out.nfe_mean = static_cast<double>(nfe_sum) / static_cast<double>(total);
  if (!nfe_per_path.empty()) {  // the masked samplers' own sum, in path order
    double sum = 0;
    for (auto v : nfe_per_path) sum += static_cast<double>(v);
    out.nfe_mean = sum / static_cast<double>(total);
  }
  const std::size_t saves = out.save_times.size();
  if (saves > 0 && !trajectory.empty()) {
    // Rank 0 always holds paths (it has the first block), so its own trajectory gives the width of a path.
    const std::size_t width = local.trajectory.size() / (saves * static_cast<std::size_t>(paths));
    out.trajectory.resize(trajectory.size());
    std::size_t from = 0, row = static_cast<std::size_t>(total) * width;
    std::int64_t first = 0;
    for (auto n : counts) {
      const std::size_t block = static_cast<std::size_t>(n) * width;
      for (std::size_t s = 0; s < saves; ++s, from += block)
        std::copy_n(trajectory.begin() + static_cast<std::ptrdiff_t>(from), block,
                    out.trajectory.begin() + static_cast<std::ptrdiff_t>(s * row + static_cast<std::size_t>(first) * width));
      first += n;
    }
  }
  return out;
}

}  // namespace pmm
