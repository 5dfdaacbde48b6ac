// One Solution from the blocks of paths the ranks ran: rank 0 gets the Solution one process would have returned
// (samples, tokens, trajectories in global path order; NFE counts, leftovers, rejected steps combined exactly as the
// samplers combine their chunks), the other ranks an empty one. A collective: every rank calls it.
#pragma once
#include <cstdint>

#include <pmm/solvers/solution.hpp>

namespace pmm {

// local: this rank's result for its block of `paths` (a default Solution when the block is empty); total: all paths;
// dim: rows of final (continuous processes; 0 for tokens). seconds becomes the slowest rank's.
Solution gather_solution(const Solution& local, std::int64_t paths, std::int64_t total, Index dim);

}  // namespace pmm
