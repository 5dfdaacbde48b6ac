// The one chunk driver every sampler family runs on (the SDE driver integrate(), probability_flow(), the masked
// samplers): paths are split into chunks of the predictor's preferred batch (unless a chunk is given), chunks are
// handed out to threads in increasing order (one thread when the predictor is not concurrent), each chunk writes
// its results at its global path offsets, and the wall time is measured once. Draws are keyed by global path
// index, so no result depends on the plan.
#pragma once
#include <algorithm>
#include <chrono>

#include <pmm/core/parallel.hpp>
#include <pmm/models/predictor.hpp>

namespace pmm {

struct ChunkPlan {
  Index chunk = 1, n_chunks = 1;
  int threads = 1;
};

inline ChunkPlan plan_chunks(Index paths, Index chunk, int threads, bool concurrent, Index preferred_batch) {
  Index c = chunk > 0 ? chunk : (preferred_batch > 0 ? preferred_batch : paths);
  c = std::min(c, paths);
  const Index n = (paths + c - 1) / c;
  return {c, n, concurrent ? static_cast<int>(std::min<Index>(threads, n)) : 1};
}
inline ChunkPlan plan_chunks(Index paths, Index chunk, int threads, const Predictor& pred) {
  return plan_chunks(paths, chunk, threads, pred.concurrent(), pred.preferred_batch());
}

// Runs body(c, p0, n) for chunk c = paths p0 .. p0 + n - 1 of the plan; returns the wall seconds. The first
// exception of any chunk is rethrown once all threads have stopped.
template <class Body>
double drive_chunks(Index paths, const ChunkPlan& plan, Body&& body) {
  const auto start = std::chrono::steady_clock::now();
  parallel_chunks(plan.n_chunks, plan.threads, [&](Index c) {
    const Index p0 = c * plan.chunk;
    body(c, p0, std::min(plan.chunk, paths - p0));
  });
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace pmm
