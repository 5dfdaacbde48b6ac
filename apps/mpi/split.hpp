// How a job is split over ranks, as pure functions (no MPI, tested on one process): contiguous blocks of paths,
// and tasks of unequal cost assigned greedily, longest first, to the least loaded rank. Also whether a launcher
// (mpirun, srun) started this process, read from its environment.
#pragma once
#include <cstdint>
#include <vector>

namespace pmm {

struct Block {
  std::int64_t first = 0, count = 0;  // units first .. first + count - 1
};

// Rank's contiguous share of units 0 .. units - 1: as even as possible, the first (units % size) ranks take one
// more; ranks beyond the units get count 0. Blocks of ranks 0, 1, ... follow each other in order.
Block block_of(std::int64_t units, int rank, int size);

// Rank's block of paths 0 .. paths - 1 when the paths go out in whole units of unit paths (the last unit may be
// shorter): unit 1 for samplers whose paths are independent, the chunk for the adaptive ODE (its steps are shared
// within a chunk, so a block must start at a chunk boundary for the result to match one process's).
Block paths_of_rank(std::int64_t paths, std::int64_t unit, int rank, int size);

// The owner rank of each task: tasks in decreasing cost (ties: lower index first) each go to the rank with the
// least cost so far (ties: lower rank). Deterministic, so every rank computes the same assignment alone.
std::vector<int> assign_by_cost(const std::vector<double>& costs, int size);

// The rank and size a launcher put in the environment (Open MPI's OMPI_COMM_WORLD_*, PMIx's PMIX_RANK with
// OMPI/ PMI_SIZE, MPICH/Slurm PMI's PMI_RANK/PMI_SIZE); false when none is set (a plain start: one process).
bool launched_rank(int* rank, int* size);

}  // namespace pmm
