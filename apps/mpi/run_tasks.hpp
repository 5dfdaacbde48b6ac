// Tasks of a job handed out to ranks (pmm-sweep's cells, pmm-validate's checks): task k runs on rank owner[k]
// (assign_by_cost, split.hpp), each rank takes its tasks in increasing k, and rank 0 records every result in task
// order as soon as all earlier tasks are in, so what it writes has one process's order and grows as the job goes.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace pmm {

// compute(k): task k's result as bytes (on its owner). record(k, result): on rank 0, for k = 0, 1, ... in order.
// On one process: compute(k) then record(k, ...) for each k in turn. A failure of any rank ends it on every rank
// with RankFailure (world.hpp) once that rank's failure is known.
void run_tasks(const std::vector<int>& owner, const std::function<std::string(std::size_t)>& compute,
               const std::function<void(std::size_t, const std::string&)>& record);

}  // namespace pmm
